"""Evidence library: studies and reports with their coding (countries, sectors, forms of
exploitation, interventions, outcomes, design) and quality appraisals recorded criterion by
criterion (MMAT 2018 or CASP qualitative), never collapsed into one score.

Ownership: a `Study` belongs to the implementer or a country project; the library is shared
across the implementer's subtree (see selectors.studies_visible_to). Multi-valued codes are
stored as ';a;b;' so one code is found with a plain contains on SQLite and PostgreSQL (the same
convention as `Survivor.exploitation` and `Company.operating_countries`).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ctip.core.models import ImportBatch, OwnedModel

LIST_SEPARATOR = ";"


def codes_to_db(values, *, upper: bool = False) -> str:
    """A list of codes stored as ';a;b;' (sorted, deduplicated)."""
    cleaned = set()
    for value in values or []:
        text = str(value).strip()
        if text:
            cleaned.add(text.upper() if upper else text)
    return f";{';'.join(sorted(cleaned))};" if cleaned else ""


def codes_from_db(value: str) -> list[str]:
    return [item for item in (value or "").split(LIST_SEPARATOR) if item]


# --- controlled vocabularies ------------------------------------------------------------------


class PublicationType(models.TextChoices):
    JOURNAL = "journal", _("Journal article")
    REPORT = "report", _("Report")
    EVALUATION = "evaluation", _("Evaluation report")
    BOOK = "book", _("Book or book chapter")
    THESIS = "thesis", _("Thesis")
    WORKING_PAPER = "working_paper", _("Working paper")
    CONFERENCE = "conference", _("Conference paper")
    OTHER = "other", _("Other")


class Sector(models.TextChoices):
    FISHING = "fishing", _("Fishing and seafood")
    AGRICULTURE = "agriculture", _("Agriculture")
    CONSTRUCTION = "construction", _("Construction")
    DOMESTIC_WORK = "domestic_work", _("Domestic work")
    SEX_INDUSTRY = "sex_industry", _("Sex industry")
    MANUFACTURING = "manufacturing", _("Manufacturing")
    HOSPITALITY = "hospitality", _("Hospitality and entertainment")
    OTHER = "other", _("Other or several sectors")


class Intervention(models.TextChoices):
    PREVENTION = "prevention", _("Prevention and awareness")
    IDENTIFICATION = "identification", _("Identification and screening")
    SHELTER = "shelter", _("Shelter and protection")
    PSYCHOSOCIAL = "psychosocial", _("Psychosocial support")
    LEGAL = "legal", _("Legal aid and prosecution")
    ECONOMIC = "economic", _("Economic empowerment and livelihood")
    SAFE_MIGRATION = "safe_migration", _("Safe migration")
    SUPPLY_CHAIN = "supply_chain", _("Supply chain and private sector")
    POLICY = "policy", _("Policy and governance")


class Outcome(models.TextChoices):
    KNOWLEDGE = "knowledge", _("Knowledge and attitudes")
    IDENTIFICATION = "identification", _("Identification rates")
    WELLBEING = "wellbeing", _("Well-being and mental health")
    REINTEGRATION = "reintegration", _("Reintegration")
    RETRAFFICKING = "retrafficking", _("Re-trafficking")
    PROSECUTION = "prosecution", _("Prosecution")
    LABOUR_CONDITIONS = "labour_conditions", _("Labour conditions")
    MIGRATION = "migration", _("Migration behaviour")


class Design(models.TextChoices):
    """The five MMAT 2018 categories of study design, plus studies MMAT does not appraise."""

    QUALITATIVE = "qualitative", _("Qualitative")
    RANDOMISED = "quant_randomised", _("Quantitative randomised controlled trial")
    NON_RANDOMISED = "quant_nonrandomised", _("Quantitative non-randomised")
    DESCRIPTIVE = "quant_descriptive", _("Quantitative descriptive")
    MIXED = "mixed", _("Mixed methods")
    NOT_EMPIRICAL = "not_empirical", _("Not an empirical study (review, legal or policy analysis)")


# --- the library ------------------------------------------------------------------------------


class Study(OwnedModel):
    """One study or report in the library (``organisation``: implementer or country project)."""

    ref = models.CharField(_("import reference"), max_length=80, blank=True, default="")
    title = models.CharField(_("title"), max_length=500)
    authors = models.CharField(
        _("authors"), max_length=1000, blank=True, help_text=_("Separated by semicolons.")
    )
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    publication_type = models.CharField(
        _("publication type"),
        max_length=20,
        choices=PublicationType.choices,
        default=PublicationType.REPORT,
    )
    venue = models.CharField(
        _("journal or publisher"), max_length=300, blank=True, help_text=_("Journal, publisher.")
    )
    doi = models.CharField(_("DOI"), max_length=200, blank=True, default="")
    url = models.URLField(_("web address"), max_length=500, blank=True)
    abstract = models.TextField(_("abstract"), blank=True)
    countries = models.CharField(_("countries"), max_length=400, blank=True, default="")
    sectors = models.CharField(_("sectors"), max_length=300, blank=True, default="")
    exploitation = models.CharField(
        _("forms of exploitation"), max_length=200, blank=True, default=""
    )
    interventions = models.CharField(_("interventions"), max_length=300, blank=True, default="")
    outcomes = models.CharField(_("outcomes"), max_length=300, blank=True, default="")
    design = models.CharField(
        _("design category"), max_length=25, choices=Design.choices, blank=True, default=""
    )
    methods = models.TextField(_("methods"), blank=True)
    sample_size = models.PositiveIntegerField(_("sample size"), null=True, blank=True)
    sample_description = models.TextField(_("sample"), blank=True)
    note = models.TextField(_("note"), blank=True)
    import_batch = models.ForeignKey(
        ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-year", "title", "id"]
        verbose_name_plural = "studies"
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "ref"], condition=~Q(ref=""), name="study_ref_unique"
            ),
        ]
        indexes = [models.Index(fields=["organisation", "year"])]

    def __str__(self) -> str:
        return f"{self.title} ({self.year})" if self.year else self.title

    @property
    def country_list(self) -> list[str]:
        return codes_from_db(self.countries)

    @property
    def sector_list(self) -> list[str]:
        return codes_from_db(self.sectors)

    @property
    def exploitation_list(self) -> list[str]:
        return codes_from_db(self.exploitation)

    @property
    def intervention_list(self) -> list[str]:
        return codes_from_db(self.interventions)

    @property
    def outcome_list(self) -> list[str]:
        return codes_from_db(self.outcomes)


class Tool(models.TextChoices):
    MMAT = "mmat", _("MMAT 2018")
    CASP = "casp", _("CASP qualitative checklist")


class Answer(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")
    CANT_TELL = "cant_tell", _("Can't tell")


class Appraisal(models.Model):
    """One reviewer's appraisal of one study with one tool; a second reviewer adds another."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="appraisals")
    tool = models.CharField(_("tool"), max_length=10, choices=Tool.choices)
    # MMAT: the design category appraised (may differ from the study's coding at the time).
    design = models.CharField(_("design category"), max_length=25, choices=Design.choices)
    # MMAT mixed methods: which quantitative category its quantitative component is appraised as.
    quantitative_component = models.CharField(
        _("quantitative component"), max_length=25, choices=Design.choices, blank=True
    )
    appraiser = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    appraised_on = models.DateField(_("date"))
    comment = models.TextField(_("overall comment"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["appraised_on", "id"]

    def __str__(self) -> str:
        return f"{self.get_tool_display()} of study {self.study_id}"


class AppraisalAnswer(models.Model):
    """The answer to one criterion, with the reviewer's reason."""

    appraisal = models.ForeignKey(Appraisal, on_delete=models.CASCADE, related_name="answers")
    criterion = models.CharField(_("criterion"), max_length=10)
    answer = models.CharField(_("answer"), max_length=10, choices=Answer.choices)
    reason = models.TextField(_("reason"))

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["appraisal", "criterion"], name="appraisal_answer_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.answer}"
