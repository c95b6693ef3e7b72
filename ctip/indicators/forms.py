"""The indicators page's choices: a period (month, quarter, year) and an organisation."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ctip.core.models import User
from ctip.indicators.periods import Period, PeriodError
from ctip.indicators.selectors import report_scopes_for

KIND_LABELS = {"quarter": _("Quarters"), "month": _("Months"), "year": _("Years")}


def period_choices(today, current: Period | None = None) -> list:
    """Grouped choices (quarters, months, years), newest first; the chosen period is kept even
    when it is older than the list."""
    recent = Period.recent(today)
    if current is not None and current not in recent[current.kind]:
        recent[current.kind].append(current)
    return [
        (KIND_LABELS[kind], [(period.label, period.label) for period in periods])
        for kind, periods in recent.items()
    ]


class ReportForm(forms.Form):
    period = forms.CharField(label=_("Period"), required=False)
    org = forms.ChoiceField(label=_("Organisation"), required=False)
    public = forms.BooleanField(label=_("Donor view (small cells hidden)"), required=False)

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.default_period = Period.last_complete("quarter", today)
        chosen = None
        raw = (self.data.get("period") or "").strip() if self.is_bound else ""
        if raw:
            try:
                chosen = Period.parse(raw)
            except PeriodError:
                chosen = None
        self.fields["period"].widget = forms.Select(
            choices=period_choices(today, chosen or self.default_period)
        )
        self.fields["period"].initial = self.default_period.label
        scopes = list(report_scopes_for(user).only("code", "name", "path"))
        top = min((org.depth for org in scopes), default=1)
        self.fields["org"].choices = [
            (org.code, f"{'— ' * (org.depth - top)}{org.name}") for org in scopes
        ]
        if user.organisation_id:
            self.fields["org"].initial = user.organisation.code

    def clean_period(self) -> Period:
        text = (self.cleaned_data.get("period") or "").strip()
        if not text:
            return self.default_period
        try:
            return Period.parse(text)
        except PeriodError as exc:
            raise forms.ValidationError(str(exc)) from exc
