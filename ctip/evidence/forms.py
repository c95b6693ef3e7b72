"""Forms of the evidence pages: they parse and present; the services validate and write."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ctip.cases.forms import DATE, add_service_errors  # noqa: F401 (re-exported for views)
from ctip.cases.models import Exploitation
from ctip.core.countries import COUNTRY_NAMES
from ctip.evidence.criteria import QUANTITATIVE_COMPONENTS, Criterion
from ctip.evidence.models import (
    Answer,
    Design,
    Intervention,
    Outcome,
    PublicationType,
    Sector,
    Tool,
    codes_from_db,
)
from ctip.evidence.selectors import Quality

ANY = [("", _("any"))]
DESIGN_LABELS = dict(Design.choices)


def country_choices(codes) -> list[tuple[str, str]]:
    return sorted(
        ((code, f"{COUNTRY_NAMES.get(code, code)} ({code})") for code in codes),
        key=lambda pair: pair[1],
    )


class StudyFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Title or author"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    country = forms.ChoiceField(label=_("Country"), required=False)
    sector = forms.ChoiceField(label=_("Sector"), choices=ANY + Sector.choices, required=False)
    exploitation = forms.ChoiceField(
        label=_("Form of exploitation"), choices=ANY + Exploitation.choices, required=False
    )
    intervention = forms.ChoiceField(
        label=_("Intervention"), choices=ANY + Intervention.choices, required=False
    )
    outcome = forms.ChoiceField(label=_("Outcome"), choices=ANY + Outcome.choices, required=False)
    design = forms.ChoiceField(label=_("Design"), choices=ANY + Design.choices, required=False)
    quality = forms.ChoiceField(
        label=_("Appraisal"), choices=ANY + Quality.choices(), required=False
    )
    year_from = forms.IntegerField(label=_("From year"), required=False, min_value=1900)
    year_to = forms.IntegerField(label=_("To year"), required=False, min_value=1900)

    def __init__(self, *args, countries=(), **kwargs):
        super().__init__(*args, **kwargs)
        codes = set(countries)
        selected = (self.data.get("country") or "").upper() if self.data else ""
        if selected in COUNTRY_NAMES:
            codes.add(selected)
        self.fields["country"].choices = ANY + country_choices(codes)

    def clean(self):
        data = super().clean()
        low, high = data.get("year_from"), data.get("year_to")
        if low and high and low > high:
            self.add_error("year_to", _("The end year comes before the start year."))
        return data


class CountriesField(forms.CharField):
    """ISO alpha-2 codes typed as 'TH, KH' or 'TH;KH'; cleaned to a sorted list."""

    def to_python(self, value):
        text = super().to_python(value) or ""
        return sorted(
            {item.strip().upper() for item in text.replace(",", ";").split(";") if item.strip()}
        )

    def validate(self, value):
        super().validate(value)
        unknown = [code for code in value if code not in COUNTRY_NAMES]
        if unknown:
            raise forms.ValidationError(
                _("Not ISO 3166 alpha-2 country codes: %(codes)s.") % {"codes": ", ".join(unknown)}
            )

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(value)
        return value


def _checkboxes(label, choices):
    return forms.MultipleChoiceField(
        label=label, choices=choices, required=False, widget=forms.CheckboxSelectMultiple
    )


class StudyForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("Library of"), queryset=None, empty_label=None)
    title = forms.CharField(label=_("Title"), max_length=500)
    authors = forms.CharField(
        label=_("Authors"),
        max_length=1000,
        required=False,
        help_text=_("Family name, initials; separated by semicolons."),
    )
    year = forms.IntegerField(label=_("Year"), required=False, min_value=1900)
    publication_type = forms.ChoiceField(label=_("Publication type"), choices=PublicationType)
    venue = forms.CharField(label=_("Journal or publisher"), max_length=300, required=False)
    doi = forms.CharField(label=_("DOI"), max_length=200, required=False)
    url = forms.URLField(
        label=_("Web address"),
        max_length=500,
        required=False,
        assume_scheme="https",
        widget=forms.TextInput(attrs={"inputmode": "url", "autocomplete": "url"}),
    )
    abstract = forms.CharField(
        label=_("Abstract"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    countries = CountriesField(
        label=_("Countries"),
        required=False,
        max_length=400,
        help_text=_("ISO 3166 alpha-2 codes, e.g. TH, KH, MM."),
    )
    sectors = _checkboxes(_("Sectors"), Sector.choices)
    exploitation = _checkboxes(_("Forms of exploitation"), Exploitation.choices)
    interventions = _checkboxes(_("Interventions"), Intervention.choices)
    outcomes = _checkboxes(_("Outcomes"), Outcome.choices)
    design = forms.ChoiceField(
        label=_("Design category (MMAT)"),
        choices=[("", _("Not yet coded"))] + Design.choices,
        required=False,
    )
    methods = forms.CharField(
        label=_("Methods"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    sample_size = forms.IntegerField(label=_("Sample size"), required=False, min_value=0)
    sample_description = forms.CharField(
        label=_("Sample"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Who was studied, where and how they were reached."),
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, owners, study=None, **kwargs):
        if study is not None:
            initial = kwargs.setdefault("initial", {})
            for name in self.base_fields:
                if name == "organisation":
                    initial[name] = study.organisation_id
                elif name in {"countries", "sectors", "exploitation", "interventions", "outcomes"}:
                    initial[name] = codes_from_db(getattr(study, name))
                else:
                    initial[name] = getattr(study, name)
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = owners
        self.fields["organisation"].label_from_instance = lambda org: org.name
        if owners.count() == 1:
            self.fields["organisation"].widget = forms.HiddenInput()
            self.fields["organisation"].initial = owners.first().pk

    def values(self) -> dict:
        return dict(self.cleaned_data)


class AppraisalSetupForm(forms.Form):
    """Step one: which tool, and for MMAT which design category (and quantitative component)."""

    tool = forms.ChoiceField(label=_("Tool"), choices=Tool.choices, widget=forms.RadioSelect)
    design = forms.ChoiceField(
        label=_("MMAT design category"),
        required=False,
        choices=[
            (code, DESIGN_LABELS[code]) for code in Design.values if code != Design.NOT_EMPIRICAL
        ],
    )
    component = forms.ChoiceField(
        label=_("Quantitative component (mixed methods only)"),
        required=False,
        choices=[("", "—")] + [(code, DESIGN_LABELS[code]) for code in QUANTITATIVE_COMPONENTS],
    )

    def clean(self):
        data = super().clean()
        if data.get("tool") == Tool.MMAT:
            if not data.get("design"):
                self.add_error("design", _("Choose the design category MMAT appraises."))
            elif data["design"] == Design.MIXED and not data.get("component"):
                self.add_error(
                    "component",
                    _("A mixed methods study is appraised with its quantitative component too."),
                )
        return data


class AppraisalForm(forms.Form):
    """Step two: one answer and one reason per criterion, in the order of the tool."""

    appraised_on = forms.DateField(label=_("Date of the appraisal"), widget=DATE)
    comment = forms.CharField(
        label=_("Overall comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional. MMAT and CASP discourage an overall score: none is computed."),
    )

    def __init__(self, *args, criteria: list[Criterion], **kwargs):
        kwargs.setdefault("initial", {}).setdefault("appraised_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for criterion in criteria:
            self.fields[f"answer_{criterion.code}"] = forms.ChoiceField(
                label=f"{criterion.code} {criterion.text}",
                choices=Answer.choices,
                widget=forms.RadioSelect,
            )
            self.fields[f"reason_{criterion.code}"] = forms.CharField(
                label=_("Reason"),
                widget=forms.Textarea(attrs={"rows": 2}),
                error_messages={"required": _("Write the reason for this answer.")},
            )

    def rows(self):
        """(criterion, answer field, reason field, first of its group) for the template."""
        previous = None
        for criterion in self.criteria:
            yield (
                criterion,
                self[f"answer_{criterion.code}"],
                self[f"reason_{criterion.code}"],
                criterion.group != previous,
            )
            previous = criterion.group

    def answers(self) -> dict[str, tuple[str, str]]:
        return {
            c.code: (self.cleaned_data[f"answer_{c.code}"], self.cleaned_data[f"reason_{c.code}"])
            for c in self.criteria
        }

    def add_service_errors(self, error) -> None:
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for name, messages in error.message_dict.items():
            field = f"reason_{name}" if f"reason_{name}" in self.fields else name
            self.add_error(field if field in self.fields else None, messages)


class GapMapFilterForm(forms.Form):
    view = forms.ChoiceField(
        label=_("Map"),
        required=False,
        choices=[
            ("interventions", _("Interventions × outcomes")),
            ("countries", _("Countries × sectors")),
        ],
    )
    country = forms.ChoiceField(label=_("Country"), required=False)
    design = forms.ChoiceField(label=_("Design"), choices=ANY + Design.choices, required=False)

    def __init__(self, *args, countries=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = ANY + country_choices(countries)
