"""Forms of the services pages: they parse and present; the services validate and write."""

from django import forms
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ctip.cases.forms import DATE, OrganisationChoiceField
from ctip.cases.models import Need, Survivor
from ctip.core.models import ProviderType
from ctip.services.models import (
    REFERRAL_TRANSITIONS,
    BusinessSupport,
    DiscontinuedReason,
    EpisodeStatus,
    JobPlacement,
    Referral,
    ReferralReason,
    ReferralStatus,
    ServiceType,
    SkillsTraining,
    TransferReason,
)
from ctip.services.selectors import active_service_types, provider_choices, transfer_receivers
from ctip.services.services import RECEIVER, RECEIVER_STATUSES

ANY = [("", _("any"))]
CHOOSE = [("", _("Choose…"))]


class ServiceTypeChoiceField(forms.ModelChoiceField):
    """Service types by name; those that never count say so in the list."""

    def label_from_instance(self, obj: ServiceType) -> str:
        if obj.counts_as_service:
            return obj.name
        return _("%(name)s (recorded, not counted)") % {"name": obj.name}


class NeedChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Need) -> str:
        return _("%(need)s, assessed %(date)s (%(status)s)") % {
            "need": obj.get_category_display(),
            "date": obj.assessed_on.isoformat(),
            "status": obj.get_status_display(),
        }


def _type_field(**extra) -> ServiceTypeChoiceField:
    return ServiceTypeChoiceField(
        label=_("Service type"),
        queryset=active_service_types(),
        empty_label=_("Choose…"),
        help_text=_("What one episode of the chosen type is appears below the list."),
        **extra,
    )


def _htmx_help(field: forms.Field) -> None:
    """When the type changes, htmx fetches its `episode_help` into #type-help."""
    field.widget.attrs.update(
        {
            "hx-get": reverse_lazy("services:type_help"),
            "hx-trigger": "change",
            "hx-target": "#type-help",
            "hx-swap": "innerHTML",
            "aria-describedby": "type-help",
        }
    )


class EpisodeForm(forms.Form):
    service_type = _type_field()
    need = NeedChoiceField(
        label=_("Need it answers"),
        queryset=Need.objects.none(),
        required=False,
        empty_label="—",
        help_text=_("Required for every type that counts; one-off support needs none."),
    )
    provider = OrganisationChoiceField(label=_("Provider"), queryset=None, empty_label=_("Choose…"))
    started_on = forms.DateField(label=_("Started on"), widget=DATE)
    ended_on = forms.DateField(
        label=_("Ended on"),
        required=False,
        widget=DATE,
        help_text=_(
            "Leave empty while the service goes on (close it later). A one-off support ends "
            "the day it is given."
        ),
    )
    sessions = forms.IntegerField(
        label=_("Sessions so far"),
        required=False,
        min_value=0,
        help_text=_("Sessions inside one episode (ten counselling sessions are one episode)."),
    )
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Encrypted; shown only to case workers and supervisors."),
    )

    def __init__(self, *args, survivor: Survivor, creating: bool = True, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("started_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.creating = creating
        self.fields["need"].queryset = survivor.needs.defer("notes").order_by("-assessed_on")
        self.fields["provider"].queryset = provider_choices(survivor)
        _htmx_help(self.fields["service_type"])
        if not creating:
            del self.fields["ended_on"]  # closing has its own form

    def clean(self):
        data = super().clean()
        if not self.creating:
            return data
        service_type = data.get("service_type")
        if data.get("ended_on"):
            data["status"] = EpisodeStatus.COMPLETED
        elif service_type is not None and not service_type.counts_as_service:
            data["ended_on"] = data.get("started_on")
            data["status"] = EpisodeStatus.COMPLETED
        else:
            data["status"] = EpisodeStatus.ONGOING
        return data


class EpisodeCloseForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            (EpisodeStatus.COMPLETED, EpisodeStatus.COMPLETED.label),
            (EpisodeStatus.DISCONTINUED, EpisodeStatus.DISCONTINUED.label),
        ],
        widget=forms.RadioSelect,
    )
    ended_on = forms.DateField(label=_("Ended on"), widget=DATE)
    discontinued_reason = forms.ChoiceField(
        label=_("Why discontinued"),
        choices=[("", "—"), *DiscontinuedReason.choices],
        required=False,
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "initial", {"ended_on": timezone.localdate(), "status": EpisodeStatus.COMPLETED}
        )
        super().__init__(*args, **kwargs)


class ReferralForm(forms.Form):
    service_type = _type_field()
    need = NeedChoiceField(
        label=_("Need it answers"),
        queryset=Need.objects.none(),
        required=False,
        empty_label="—",
        help_text=_("Required for every type that counts."),
    )
    to_provider = OrganisationChoiceField(
        label=_("Refer to"),
        queryset=None,
        empty_label=_("Choose…"),
        help_text=_("Find providers by service and area in the Providers directory."),
    )
    sent_on = forms.DateField(label=_("Sent on"), widget=DATE)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Encrypted. The provider reads it only if the survivor consented to data sharing."
        ),
    )

    def __init__(self, *args, survivor: Survivor, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("sent_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.fields["need"].queryset = survivor.needs.defer("notes").order_by("-assessed_on")
        self.fields["to_provider"].queryset = provider_choices(survivor).exclude(
            pk=survivor.organisation_id
        )
        _htmx_help(self.fields["service_type"])


def status_choices(referral: Referral, side: str) -> list[tuple[str, str]]:
    allowed = REFERRAL_TRANSITIONS.get(referral.status, set())
    if side == RECEIVER:
        allowed = allowed & RECEIVER_STATUSES
    return [(value, label) for value, label in ReferralStatus.choices if value in allowed]


class ReferralStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"))
    on = forms.DateField(label=_("Date"), widget=DATE)
    reason = forms.ChoiceField(
        label=_("Why"),
        required=False,
        choices=[("", "—"), *[c for c in ReferralReason.choices if c[0] != "imported"]],
        help_text=_("Needed when the referral is declined, not reached or withdrawn."),
    )

    def __init__(self, *args, referral: Referral, side: str, **kwargs):
        kwargs.setdefault("initial", {"on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = CHOOSE + status_choices(referral, side)


class TransferForm(forms.Form):
    to_organisation = OrganisationChoiceField(
        label=_("Transfer to"),
        queryset=None,
        empty_label=_("Choose…"),
        help_text=_("Any partner or site of the programme, also in another country."),
    )
    reason = forms.ChoiceField(
        label=_("Why the case moves"),
        choices=CHOOSE
        + [
            c
            for c in TransferReason.choices
            if c[0] not in (TransferReason.NO_CAPACITY, TransferReason.OUTSIDE_AREA)
        ],
    )

    def __init__(self, *args, survivor: Survivor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_organisation"].queryset = transfer_receivers(survivor)


class TransferDeclineForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why the transfer is declined"),
        choices=CHOOSE
        + [
            c
            for c in TransferReason.choices
            if c[0] in (TransferReason.NO_CAPACITY, TransferReason.OUTSIDE_AREA, "other")
        ],
    )


class ProviderFilterForm(forms.Form):
    service_type = forms.ChoiceField(label=_("Service"), required=False)
    country = forms.ChoiceField(label=_("Country"), required=False)
    province = forms.CharField(
        label=_("Province"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"list": "provinces", "autocomplete": "off"}),
    )
    district = forms.CharField(
        label=_("District"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"list": "districts", "autocomplete": "off"}),
    )
    provider_type = forms.ChoiceField(
        label=_("Provider type"), required=False, choices=ANY + ProviderType.choices
    )
    accepts_referrals = forms.BooleanField(
        label=_("Accepts referrals through ctip"), required=False
    )

    def __init__(self, *args, countries: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service_type"].choices = ANY + [
            (t.code, t.name) for t in ServiceType.objects.filter(active=True)
        ]
        self.fields["country"].choices = ANY + [(c, c) for c in countries]
        for field in self.fields.values():
            field.widget.attrs["class"] = "live-filter"


class ReferralFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=ANY + ReferralStatus.choices
    )
    service_type = forms.ChoiceField(label=_("Service"), required=False)
    unanswered = forms.BooleanField(label=_("No answer after 14 days"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service_type"].choices = ANY + [
            (t.code, t.name) for t in ServiceType.objects.all()
        ]
        for field in self.fields.values():
            field.widget.attrs["class"] = "live-filter"


YES_NO_UNKNOWN = [("", _("not known yet")), ("yes", _("yes")), ("no", _("no"))]


def _yes_no(value):
    return {"yes": True, "no": False}.get(value)


class SkillsTrainingForm(forms.ModelForm):
    completed = forms.TypedChoiceField(
        label=_("Completed"), choices=YES_NO_UNKNOWN, coerce=_yes_no, required=False,
        empty_value=None,
    )  # fmt: skip

    class Meta:
        model = SkillsTraining
        fields = ["course", "trade", "completed", "certificate"]


class JobPlacementForm(forms.ModelForm):
    employed_at_3_months = forms.TypedChoiceField(
        label=_("Still employed at 3 months"), choices=YES_NO_UNKNOWN, coerce=_yes_no,
        required=False, empty_value=None,
    )  # fmt: skip
    employed_at_6_months = forms.TypedChoiceField(
        label=_("Still employed at 6 months"), choices=YES_NO_UNKNOWN, coerce=_yes_no,
        required=False, empty_value=None,
    )  # fmt: skip

    class Meta:
        model = JobPlacement
        fields = [
            "employer",
            "role",
            "wage",
            "wage_currency",
            "wage_period",
            "start_date",
            "employed_at_3_months",
            "employed_at_6_months",
        ]
        widgets = {"start_date": DATE}


class BusinessSupportForm(forms.ModelForm):
    class Meta:
        model = BusinessSupport
        fields = ["business", "grant_amount", "grant_currency", "microfinance_referral"]


LIVELIHOOD_FORMS = {
    "skills_training": SkillsTrainingForm,
    "job_placement": JobPlacementForm,
    "business_support": BusinessSupportForm,
}


def initial_yes_no(instance) -> dict:
    """A model's True/False/None as the form's yes/no/'' choices."""
    initial = {}
    for name in ("completed", "employed_at_3_months", "employed_at_6_months"):
        if hasattr(instance, name):
            value = getattr(instance, name)
            initial[name] = "" if value is None else ("yes" if value else "no")
    return initial


class StandardGrantForm(forms.Form):
    project = OrganisationChoiceField(label=_("Country project"), queryset=None)
    standard_grant_amount = forms.DecimalField(
        label=_("Standard grant amount"), required=False, min_value=0, decimal_places=2
    )
    standard_grant_currency = forms.CharField(
        label=_("Currency"), required=False, max_length=3, help_text=_("e.g. THB, USD, NPR")
    )

    def __init__(self, *args, projects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = projects
        self.fields["project"].empty_label = _("Choose…")
        if len(projects) == 1:
            self.fields["project"].initial = projects[0].pk
