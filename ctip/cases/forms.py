"""Forms of the case pages: they parse and present; the services validate and write."""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ctip.cases.models import (
    CaseStatus,
    ClosedReason,
    ConsentPurpose,
    Exploitation,
    LivelihoodInterest,
    NeedCategory,
    NeedStatus,
    Sex,
)
from ctip.cases.selectors import case_workers_for
from ctip.core.models import Organisation, OrganisationKind, User
from ctip.core.selectors import organisations_visible_to

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
ANY = [("", _("any"))]
CHOOSE = [("", _("Choose…"))]


def registering_organisations(user: User):
    """Partner organisations and sites in the user's scope: where survivors can be registered."""
    return organisations_visible_to(user).filter(
        kind__in=[OrganisationKind.PARTNER, OrganisationKind.SITE]
    )


def identifying_agencies(user: User):
    """Organisations in scope, and the providers that hang on the user's ancestors (a government
    office under the country project identifies survivors for every partner below it)."""
    ancestors = [int(part) for part in user.organisation.path.strip("/").split("/") if part]
    return Organisation.objects.filter(
        Q(pk__in=organisations_visible_to(user).values("pk"))
        | Q(kind=OrganisationKind.PROVIDER, parent_id__in=ancestors)
    )


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError messages on the fields they name (others on top)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)


class WorkerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.username


class OrganisationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class SurvivorFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    status = forms.ChoiceField(label=_("Status"), choices=ANY + CaseStatus.choices, required=False)
    sex = forms.ChoiceField(label=_("Sex"), choices=ANY + Sex.choices, required=False)
    exploitation = forms.ChoiceField(
        label=_("Form of exploitation"), choices=ANY + Exploitation.choices, required=False
    )
    organisation = forms.ChoiceField(label=_("Organisation"), required=False)
    mine = forms.BooleanField(label=_("Only my cases"), required=False)

    def __init__(self, *args, user: User, can_read_pii: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = ANY + [
            (org.code, org.name) for org in registering_organisations(user).only("code", "name")
        ]
        for name in ("status", "sex", "exploitation", "organisation", "mine"):
            # htmx refreshes the results when one of these changes (the search box on submit).
            self.fields[name].widget.attrs["class"] = "live-filter"
        self.fields["q"].widget.attrs["placeholder"] = (
            _("Survivor code, name or phone") if can_read_pii else _("Survivor code")
        )


class SurvivorForm(forms.Form):
    """Register (with ``organisation``) or edit (without) a survivor's profile."""

    organisation = OrganisationChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.none(), empty_label=_("Choose…")
    )
    case_worker = WorkerChoiceField(
        label=_("Case worker"), queryset=User.objects.none(), required=False, empty_label="—"
    )
    given_name = forms.CharField(label=_("Given name"), max_length=200, required=False)
    family_name = forms.CharField(label=_("Family name"), max_length=200, required=False)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=50,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=CHOOSE + Sex.choices)
    birth_year = forms.IntegerField(label=_("Birth year"), required=False)
    nationality = forms.CharField(
        label=_("Nationality"),
        max_length=2,
        min_length=2,
        required=False,
        help_text=_("Two-letter country code, e.g. MM, KH, TH."),
    )
    exploitation = forms.MultipleChoiceField(
        label=_("Forms of exploitation"),
        choices=Exploitation.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    identified_on = forms.DateField(label=_("Identified on"), required=False, widget=DATE)
    identifying_agency = OrganisationChoiceField(
        label=_("Identifying agency"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label="—",
    )
    address = forms.CharField(
        label=_("Address"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    register_anyway = forms.BooleanField(
        label=_("This is a different person: register anyway"), required=False
    )

    def __init__(self, *args, user: User, survivor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.survivor = survivor
        self.fields["identifying_agency"].queryset = identifying_agencies(user).order_by("name")
        if survivor is None:
            self.fields["organisation"].queryset = registering_organisations(user).order_by("path")
            self.fields["case_worker"].queryset = case_workers_for(user.organisation)
        else:
            del self.fields["organisation"]
            del self.fields["register_anyway"]
            self.fields["case_worker"].queryset = case_workers_for(survivor.organisation)

    def clean_nationality(self):
        return self.cleaned_data["nationality"].upper()

    def profile(self) -> dict:
        """The cleaned values the services take (everything but the form's own switches)."""
        data = dict(self.cleaned_data)
        data.pop("register_anyway", None)
        return data


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=CHOOSE + ConsentPurpose.choices)
    given = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("yes", _("Consent given")), ("no", _("Consent withdrawn or refused"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    decided_on = forms.DateField(label=_("Date"), widget=DATE)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"decided_on": timezone.localdate(), "given": "yes"})
        super().__init__(*args, **kwargs)


class NeedForm(forms.Form):
    category = forms.ChoiceField(label=_("Need"), choices=CHOOSE + NeedCategory.choices)
    assessed_on = forms.DateField(label=_("Assessed on"), widget=DATE)
    status = forms.ChoiceField(label=_("Status"), choices=NeedStatus.choices)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"assessed_on": timezone.localdate()})
        super().__init__(*args, **kwargs)


class NeedStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=NeedStatus.choices)


class InterestForm(forms.Form):
    interest = forms.ChoiceField(label=_("Interest"), choices=CHOOSE + LivelihoodInterest.choices)
    stated_on = forms.DateField(label=_("Stated on"), widget=DATE)
    detail = forms.CharField(
        label=_("In their words"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"stated_on": timezone.localdate()})
        super().__init__(*args, **kwargs)


class CloseCaseForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=CHOOSE + ClosedReason.choices)
    closed_on = forms.DateField(label=_("Closed on"), widget=DATE)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"closed_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
