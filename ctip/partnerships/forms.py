"""Forms of the partnership pages: they parse and present; the services validate and write."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ctip.cases.forms import DATE, add_service_errors  # noqa: F401 (re-exported for views)
from ctip.core.models import Organisation, User
from ctip.partnerships.models import (
    DUE_DILIGENCE_CRITERIA,
    HEALTH_FACTORS,
    PIPELINE,
    ActionLevel,
    ActivityStatus,
    AgreementKind,
    CheckInMode,
    ClosedReason,
    CommitmentKind,
    CompanySize,
    ConcernStepKind,
    DocumentKind,
    DraftKind,
    FundingStatus,
    Ownership,
    RiskRating,
    Sector,
    Side,
    Stage,
    StakeholderKind,
    Stream,
    SupplyChainPosition,
)

ANY = [("", _("any"))]
CHOOSE = [("", _("Choose…"))]
SCORE_CHOICES = [(1, _("1 · no concern")), (2, _("2 · some concern")), (3, _("3 · serious"))]
RATING_CHOICES = [("", "—")] + [(n, str(n)) for n in range(1, 6)]


def _textarea(rows: int = 3):
    return forms.Textarea(attrs={"rows": rows})


def _today_initial(kwargs: dict, *names: str) -> None:
    initial = kwargs.setdefault("initial", {})
    for name in names:
        initial.setdefault(name, timezone.localdate())


class NamedChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        if isinstance(obj, User):
            return obj.get_full_name() or obj.username
        return getattr(obj, "name", str(obj))


# --- the registry ---------------------------------------------------------------------------


class CompanyFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Name"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    sector = forms.ChoiceField(label=_("Sector"), choices=ANY + Sector.choices, required=False)
    country = forms.CharField(
        label=_("Country"),
        required=False,
        max_length=2,
        help_text=_("Headquarters or operations, e.g. TH."),
    )
    ownership = forms.ChoiceField(
        label=_("Multinational or local"), choices=ANY + Ownership.choices, required=False
    )
    engaged = forms.ChoiceField(
        label=_("Engagement"),
        required=False,
        choices=ANY
        + [("yes", _("engaged by a country project")), ("no", _("not engaged by anyone"))],
    )
    targets = forms.BooleanField(label=_("Targets only"), required=False)

    def clean_country(self):
        return self.cleaned_data["country"].strip().upper()


class CompanyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    sector = forms.ChoiceField(label=_("Sector"), choices=CHOOSE + Sector.choices)
    ownership = forms.ChoiceField(label=_("Multinational or local"), choices=Ownership.choices)
    hq_country = forms.CharField(
        label=_("Headquarters country"), max_length=2, required=False, help_text=_("e.g. TH")
    )
    operating_countries = forms.CharField(
        label=_("Countries of operation"),
        max_length=200,
        required=False,
        help_text=_("Two-letter codes separated by ';', e.g. TH;KH;NP."),
    )
    size = forms.ChoiceField(
        label=_("Size"), choices=[("", "—")] + CompanySize.choices, required=False
    )
    supply_chain_position = forms.ChoiceField(
        label=_("Supply-chain position"),
        choices=[("", "—")] + SupplyChainPosition.choices,
        required=False,
    )
    has_csr_strategy = forms.BooleanField(
        label=_("Has a human-rights or CSR strategy"), required=False
    )
    csr_summary = forms.CharField(
        label=_("The strategy in short"), required=False, widget=_textarea()
    )
    csr_priorities = forms.CharField(
        label=_("Its stated priorities"), required=False, widget=_textarea()
    )
    interests = forms.CharField(label=_("Its interests"), required=False, widget=_textarea())
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    is_target = forms.BooleanField(label=_("Mark as a target"), required=False)

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        data["operating_countries"] = [
            c for c in data["operating_countries"].replace(",", ";").split(";") if c.strip()
        ]
        return data


class ContactForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    position = forms.CharField(label=_("Position"), max_length=120, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=60, required=False)


class EngageForm(forms.Form):
    country_project = NamedChoiceField(
        label=_("Country project"), queryset=Organisation.objects.none(), empty_label=_("Choose…")
    )
    stream = forms.ChoiceField(label=_("Work stream"), choices=Stream.choices)
    lead = NamedChoiceField(
        label=_("Lead person"), queryset=User.objects.none(), required=False, empty_label="—"
    )
    framing = forms.CharField(label=_("Framing"), max_length=200, required=False)
    avoided_terms = forms.CharField(
        label=_("Terms the company asked us to avoid"),
        required=False,
        widget=_textarea(2),
        help_text=_("One per line."),
    )

    def __init__(self, *args, projects, leads, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country_project"].queryset = projects
        self.fields["lead"].queryset = leads
        if projects.count() == 1:
            self.fields["country_project"].initial = projects.first().pk


class EngagementDetailsForm(forms.Form):
    stream = forms.ChoiceField(label=_("Work stream"), choices=Stream.choices)
    lead = NamedChoiceField(
        label=_("Lead person"), queryset=User.objects.none(), required=False, empty_label="—"
    )
    framing = forms.CharField(
        label=_("Framing agreed with the company"),
        max_length=200,
        required=False,
        help_text=_("The words the company is comfortable with, e.g. “safe migration”."),
    )
    avoided_terms = forms.CharField(
        label=_("Terms the company asked us to avoid"),
        required=False,
        widget=_textarea(3),
        help_text=_("One term or phrase per line. Drafts in ctip warn when they use one."),
    )
    check_in_days = forms.IntegerField(
        label=_("Check in every (days)"), required=False, min_value=1, max_value=365
    )

    def __init__(self, *args, leads, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = leads


class MoveForm(forms.Form):
    to_stage = forms.ChoiceField(label=_("Move to"), choices=Stage.choices)
    on = forms.DateField(label=_("Date of the change"), widget=DATE, required=False)
    reason = forms.ChoiceField(
        label=_("Reason for closing"), choices=[("", "—")] + ClosedReason.choices, required=False
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class AlignmentForm(forms.Form):
    company_priorities = forms.CharField(
        label=_("The company's stated priorities"), widget=_textarea()
    )
    project_objectives = forms.CharField(label=_("The project's objectives"), widget=_textarea())
    shared_goals = forms.CharField(label=_("What both want"), widget=_textarea())
    project_will_not_do = forms.CharField(
        label=_("What the project will not do"), required=False, widget=_textarea()
    )
    recorded_on = forms.DateField(label=_("Agreed on"), widget=DATE)

    def __init__(self, *args, **kwargs):
        _today_initial(kwargs, "recorded_on")
        super().__init__(*args, **kwargs)


class DueDiligenceForm(forms.Form):
    reviewed_on = forms.DateField(label=_("Reviewed on"), widget=DATE)

    def __init__(self, *args, reviewers, **kwargs):
        _today_initial(kwargs, "reviewed_on")
        super().__init__(*args, **kwargs)
        for name, label in DUE_DILIGENCE_CRITERIA:
            self.fields[name] = forms.TypedChoiceField(
                label=label, choices=SCORE_CHOICES, coerce=int, widget=forms.RadioSelect
            )
        self.fields["notes"] = forms.CharField(
            label=_("Notes per criterion"), required=False, widget=_textarea(4)
        )
        self.fields["evidence_links"] = forms.CharField(
            label=_("Evidence links"),
            required=False,
            widget=_textarea(3),
            help_text=_("One web address per line (reports, news, court records)."),
        )
        self.fields["rating"] = forms.ChoiceField(
            label=_("Risk rating"), choices=RiskRating.choices, widget=forms.RadioSelect
        )
        self.fields["reasons"] = forms.CharField(
            label=_("Reasons for the rating"), widget=_textarea(3)
        )
        self.fields["reviewer"] = NamedChoiceField(
            label=_("Reviewer"), queryset=reviewers, empty_label=_("Choose…")
        )

    def scores(self) -> dict[str, int]:
        return {name: self.cleaned_data[name] for name, _label in DUE_DILIGENCE_CRITERIA}


class DraftForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=DraftKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Text"), widget=_textarea(14))


class AgreementForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type"), choices=CHOOSE + AgreementKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    signed_on = forms.DateField(label=_("Signed on"), widget=DATE, required=False)
    starts_on = forms.DateField(label=_("Starts on"), widget=DATE, required=False)
    ends_on = forms.DateField(label=_("Ends on"), widget=DATE, required=False)
    nda_restrictions = forms.CharField(
        label=_("What the NDA restricts (and what staff may share)"),
        required=False,
        widget=_textarea(3),
    )
    sustainability_plan = forms.CharField(
        label=_("What continues after the project ends"), required=False, widget=_textarea(3)
    )
    sustainability_owner = forms.CharField(
        label=_("Who owns it after the project"), max_length=200, required=False
    )


class CommitmentForm(forms.Form):
    agreement = NamedChoiceField(label=_("Agreement"), queryset=None, empty_label=_("Choose…"))
    side = forms.ChoiceField(label=_("Side"), choices=Side.choices, widget=forms.RadioSelect)
    kind = forms.ChoiceField(label=_("Kind"), choices=CommitmentKind.choices)
    description = forms.CharField(label=_("What"), max_length=255)
    amount = forms.DecimalField(label=_("Amount"), min_value=0, max_digits=14, decimal_places=2)
    unit = forms.CharField(
        label=_("Currency"),
        max_length=12,
        required=False,
        help_text=_("For money and in-kind (e.g. USD); staff time is counted in person-days."),
    )

    def __init__(self, *args, agreements, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agreement"].queryset = agreements
        self.fields["agreement"].label_from_instance = lambda a: a.title


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=DocumentKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    agreement = NamedChoiceField(
        label=_("Agreement"), queryset=None, required=False, empty_label="—"
    )
    period = forms.CharField(
        label=_("Period covered"), max_length=20, required=False, help_text=_("For reports.")
    )
    file = forms.FileField(label=_("File"))

    def __init__(self, *args, agreements, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agreement"].queryset = agreements
        self.fields["agreement"].label_from_instance = lambda a: a.title


class WorkstreamForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=_textarea())


class ActivityForm(forms.Form):
    workstream = NamedChoiceField(label=_("Workstream"), queryset=None, empty_label=_("Choose…"))
    title = forms.CharField(label=_("Activity"), max_length=200)
    planned_on = forms.DateField(label=_("Planned for"), widget=DATE)
    status = forms.ChoiceField(label=_("Status"), choices=ActivityStatus.choices)
    done_on = forms.DateField(label=_("Implemented on"), widget=DATE, required=False)
    result = forms.CharField(label=_("Result"), required=False, widget=_textarea())

    def __init__(self, *args, workstreams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["workstream"].queryset = workstreams
        self.fields["workstream"].label_from_instance = lambda w: w.title


class ActivityUpdateForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ActivityStatus.choices)
    done_on = forms.DateField(label=_("Implemented on"), widget=DATE, required=False)
    result = forms.CharField(label=_("Result"), required=False, widget=_textarea())


class OpeningForm(forms.Form):
    role = forms.CharField(label=_("Role"), max_length=120)
    skills = forms.CharField(label=_("Skills needed"), required=False, widget=_textarea(2))
    location = forms.CharField(label=_("Location"), max_length=120)
    wage = forms.DecimalField(label=_("Wage"), required=False, min_value=0, decimal_places=2)
    wage_currency = forms.CharField(label=_("Currency"), max_length=3, required=False)
    wage_period = forms.ChoiceField(
        label=_("Wage per"),
        required=False,
        choices=[("", "—"), ("day", _("day")), ("month", _("month"))],
    )
    positions = forms.IntegerField(label=_("Positions"), min_value=1, initial=1)
    opened_on = forms.DateField(label=_("Opened on"), widget=DATE)

    def __init__(self, *args, **kwargs):
        _today_initial(kwargs, "opened_on")
        super().__init__(*args, **kwargs)


class PlacementLinkForm(forms.Form):
    job_placement = forms.ModelChoiceField(
        label=_("Job-placement service"), queryset=None, empty_label=_("Choose…")
    )

    def __init__(self, *args, placements, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["job_placement"].queryset = placements
        self.fields["job_placement"].label_from_instance = lambda p: (
            f"{p.episode.survivor.code} · {p.role} · {p.start_date:%Y-%m-%d}"
        )


class ActionForm(forms.Form):
    on = forms.DateField(label=_("Date"), widget=DATE)
    level = forms.ChoiceField(
        label=_("Level"), choices=ActionLevel.choices, widget=forms.RadioSelect
    )
    description = forms.CharField(label=_("What happened"), max_length=255)
    agreement = NamedChoiceField(
        label=_("Agreement (high level)"), queryset=None, required=False, empty_label="—"
    )
    government_present = forms.BooleanField(
        label=_("Government took part (medium level)"), required=False
    )
    expected_policy_change = forms.CharField(
        label=_("Policy change expected (medium level)"), max_length=255, required=False
    )

    def __init__(self, *args, agreements, **kwargs):
        _today_initial(kwargs, "on")
        super().__init__(*args, **kwargs)
        self.fields["agreement"].queryset = agreements
        self.fields["agreement"].label_from_instance = lambda a: a.title


class CheckInForm(forms.Form):
    on = forms.DateField(label=_("Date"), widget=DATE)
    mode = forms.ChoiceField(label=_("How"), choices=CheckInMode.choices)
    summary = forms.CharField(label=_("Summary"), required=False, widget=_textarea())

    def __init__(self, *args, **kwargs):
        _today_initial(kwargs, "on")
        super().__init__(*args, **kwargs)


class HealthCheckForm(forms.Form):
    """Each factor rated 1–5 by each side (the company's rating as the company gave it)."""

    on = forms.DateField(label=_("Date"), widget=DATE)

    def __init__(self, *args, **kwargs):
        _today_initial(kwargs, "on")
        super().__init__(*args, **kwargs)
        for name, label in HEALTH_FACTORS:
            for side, side_label in Side.choices:
                self.fields[f"{side}_{name}"] = forms.TypedChoiceField(
                    label=f"{label} · {side_label}",
                    choices=RATING_CHOICES,
                    coerce=int,
                    empty_value=None,
                    required=False,
                )
        self.fields["note"] = forms.CharField(label=_("Note"), required=False, widget=_textarea())

    def rows(self):
        """(factor label, company field, project field) for the rating table."""
        return [
            (label, self[f"company_{name}"], self[f"project_{name}"])
            for name, label in HEALTH_FACTORS
        ]

    def ratings(self) -> dict[tuple[str, str], int | None]:
        return {
            (side, name): self.cleaned_data.get(f"{side}_{name}")
            for name, _label in HEALTH_FACTORS
            for side in Side.values
        }


class StakeholderForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=StakeholderKind.choices)
    country = forms.CharField(label=_("Country"), max_length=2, required=False)


class StakeholderLinkForm(forms.Form):
    stakeholder = NamedChoiceField(label=_("Stakeholder"), queryset=None, empty_label=_("Choose…"))
    relationship = forms.CharField(label=_("Relationship"), max_length=255, required=False)

    def __init__(self, *args, stakeholders, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stakeholder"].queryset = stakeholders


class ConcernForm(forms.Form):
    found_on = forms.DateField(label=_("Found on"), widget=DATE)
    summary = forms.CharField(label=_("What was found"), widget=_textarea(4))
    nda_allows = forms.CharField(
        label=_("What the NDA allows us to share"), required=False, widget=_textarea(2)
    )

    def __init__(self, *args, **kwargs):
        _today_initial(kwargs, "found_on")
        super().__init__(*args, **kwargs)


class ConcernStepForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Step"),
        choices=[c for c in ConcernStepKind.choices if c[0] != ConcernStepKind.RECORDED],
    )
    on = forms.DateField(label=_("Date"), widget=DATE)
    decided_by = forms.CharField(label=_("Decided by"), max_length=200, required=False)
    note = forms.CharField(label=_("Note"), required=False, widget=_textarea(3))

    def __init__(self, *args, **kwargs):
        _today_initial(kwargs, "on")
        super().__init__(*args, **kwargs)


class FundingYearForm(forms.Form):
    country_project = NamedChoiceField(
        label=_("Country project"), queryset=None, empty_label=_("Choose…")
    )
    fiscal_year = forms.IntegerField(label=_("Fiscal year"), min_value=2000, max_value=2100)
    starts_on = forms.DateField(label=_("Starts on"), widget=DATE)
    ends_on = forms.DateField(label=_("Ends on"), widget=DATE)
    amount = forms.DecimalField(label=_("PSE budget"), min_value=0, decimal_places=2)
    currency = forms.CharField(label=_("Currency"), max_length=3, initial="USD")
    status = forms.ChoiceField(label=_("Status"), choices=FundingStatus.choices)

    def __init__(self, *args, projects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country_project"].queryset = projects


STAGE_CHOICES = [(stage, label) for stage, label in Stage.choices if stage in PIPELINE]
