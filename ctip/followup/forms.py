"""Forms of the follow-up pages: they parse and present; the services validate and write."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ctip.cases.forms import DATE
from ctip.followup import scoring
from ctip.followup.models import (
    AttemptResult,
    ContactRoute,
    EmploymentStatus,
    FollowupResult,
    HousingStatus,
    LostReason,
    MigrationSupport,
    OutcomeKind,
    OutcomeSource,
    RouteKind,
)

CHOOSE = [("", _("Choose…"))]
YES_NO = [("", _("Not recorded")), ("yes", _("Yes")), ("no", _("No"))]


def _today():
    return timezone.localdate()


class FollowupRecordForm(forms.Form):
    result = forms.ChoiceField(
        label=_("Result"), choices=FollowupResult.choices, widget=forms.RadioSelect
    )
    done_on = forms.DateField(label=_("Date"), widget=DATE, initial=_today)
    lost_reason = forms.ChoiceField(
        label=_("If lost: why"),
        choices=CHOOSE + [c for c in LostReason.choices if c[0] != LostReason.NOT_RECORDED],
        required=False,
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Encrypted; only case workers and supervisors read it."),
    )


class InstrumentForm(forms.Form):
    """One instrument's items as radio groups. Left empty, the instrument was not taken;
    partly filled, every missing item is an error."""

    def __init__(self, *args, instrument: scoring.Instrument, language: str, **kwargs):
        kwargs.setdefault("prefix", instrument.code)
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        self.language = language if language in instrument.languages else instrument.languages[0]
        for item in instrument.items:
            self.fields[item.id] = forms.TypedChoiceField(
                label=f"{item.id}. {scoring.localised(item.text, self.language)}",
                choices=[
                    (option.value, scoring.localised(option.label, self.language))
                    for option in item.options
                ],
                coerce=int,
                required=False,
                widget=forms.RadioSelect,
            )

    @property
    def title(self) -> str:
        return self.instrument.label(self.language)

    @property
    def instructions(self) -> str:
        return scoring.localised(self.instrument.instructions, self.language)

    def clean(self):
        data = super().clean()
        answered = {k: v for k, v in data.items() if v not in (None, "")}
        if answered and len(answered) < len(self.instrument.items):
            for item in self.instrument.items:
                if item.id not in answered:
                    self.add_error(item.id, _("Answer every item, or none if not taken."))
        return data

    @property
    def taken(self) -> bool:
        """Whether anything was answered (keeps the instrument open after an error)."""
        if not self.is_bound:
            return False
        return any(self.data.get(self.add_prefix(item.id)) for item in self.instrument.items)

    def answers(self) -> dict | None:
        """The answer sheet, or None when the instrument was not taken."""
        data = {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}
        return data or None


class RouteForm(forms.Form):
    kind = forms.ChoiceField(label=_("Route"), choices=CHOOSE + RouteKind.choices)
    detail = forms.CharField(
        label=_("Number, account or address"),
        max_length=300,
        required=False,
        help_text=_("Encrypted; shown only to case workers and supervisors."),
    )
    label = forms.CharField(
        label=_("Whose"),
        max_length=120,
        required=False,
        help_text=_("e.g. mother, sister's phone, peer group leader"),
    )
    country = forms.CharField(
        label=_("Country"),
        max_length=2,
        required=False,
        help_text=_("ISO code, for a number or office abroad (e.g. MY)"),
    )


class RouteEditForm(RouteForm):
    active = forms.BooleanField(label=_("Still in use"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["kind"]


class AttemptForm(forms.Form):
    route = forms.ModelChoiceField(label=_("Route"), queryset=ContactRoute.objects.none())
    attempted_on = forms.DateField(label=_("Date"), widget=DATE, initial=_today)
    result = forms.ChoiceField(label=_("What happened"), choices=CHOOSE + AttemptResult.choices)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, routes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["route"].queryset = routes
        self.fields["route"].label_from_instance = lambda route: " · ".join(
            part for part in (route.get_kind_display(), route.label, route.detail) if part
        )


class OutcomeForm(forms.Form):
    kind = forms.ChoiceField(label=_("What happened"), choices=CHOOSE + OutcomeKind.choices)
    occurred_on = forms.DateField(label=_("When"), widget=DATE, initial=_today)
    source = forms.ChoiceField(label=_("Told by"), choices=CHOOSE + OutcomeSource.choices)
    destination_country = forms.CharField(
        label=_("Migrated to (country code)"), max_length=2, required=False
    )
    migration_support = forms.ChoiceField(
        label=_("With what support"), choices=CHOOSE + MigrationSupport.choices, required=False
    )
    employment_status = forms.ChoiceField(
        label=_("Work"), choices=CHOOSE + EmploymentStatus.choices, required=False
    )
    monthly_income = forms.DecimalField(
        label=_("Monthly income"), required=False, min_value=0, decimal_places=2
    )
    income_currency = forms.CharField(label=_("Currency"), max_length=3, required=False)
    housing_status = forms.ChoiceField(
        label=_("Housing"), choices=CHOOSE + HousingStatus.choices, required=False
    )
    feels_safe = forms.ChoiceField(label=_("Feels safe"), choices=YES_NO, required=False)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        data["feels_safe"] = {"yes": True, "no": False}.get(data["feels_safe"])
        return data


class AddFollowupForm(forms.Form):
    due_on = forms.DateField(label=_("Due on"), widget=DATE)


class SettingsForm(forms.Form):
    schedule_months = forms.CharField(
        label=_("Follow-up months after case opening"),
        help_text=_("Comma-separated, e.g. 1, 3, 6, 12, 24, 36, 48, 60"),
    )
    cohort_months = forms.CharField(
        label=_("Long-term cohort: follow-up months"),
        help_text=_("Comma-separated, up to 120 (ten years)"),
    )
    lost_after_days = forms.IntegerField(
        label=_("Lost to follow-up after (days unreachable on every route)"),
        min_value=30,
        max_value=1095,
    )

    @staticmethod
    def months(text: str) -> list[str]:
        return [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]


class CohortForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    organisation = forms.ChoiceField(label=_("Drawn from"))
    size = forms.IntegerField(label=_("Size"), min_value=1, max_value=1000, initial=50)
    seed = forms.IntegerField(
        label=_("Seed"),
        required=False,
        min_value=0,
        max_value=2**62,
        help_text=_("Leave empty for a fresh random seed; it is recorded either way."),
    )
    as_of = forms.DateField(
        label=_("Sampling frame as of"),
        widget=DATE,
        initial=_today,
        required=False,
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisations = {str(org.pk): org for org in organisations}
        self.fields["organisation"].choices = [(str(org.pk), org.name) for org in organisations]

    def clean_organisation(self):
        return self.organisations[self.cleaned_data["organisation"]]

    def clean_as_of(self):
        return self.cleaned_data["as_of"] or timezone.localdate()
