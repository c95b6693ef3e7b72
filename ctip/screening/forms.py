"""Forms of `screening`. The questionnaire form is built from the data files; the words shown
to the person come from there, the staff's own labels from gettext."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ctip.cases.models import Sex
from ctip.core.countries import COUNTRY_NAMES
from ctip.core.models import Organisation, User
from ctip.screening.models import Channel, ConsentState
from ctip.screening.questionnaire import AGE_ANSWERS, ANSWERS, LANGUAGES, language_names
from ctip.services.models import FrameworkKind, ServiceType
from ctip.services.selectors import implementer_path


class QuestionnaireForm(forms.Form):
    """Age (required) and one optional yes/no/unsure per item; labels in the chosen language."""

    def __init__(self, *args, words: dict, item_ids, **kwargs):
        super().__init__(*args, **kwargs)
        age = words["age"]
        self.fields["age"] = forms.ChoiceField(
            label=age["question"],
            choices=[(value, age[value]) for value in AGE_ANSWERS],
            widget=forms.RadioSelect,
            error_messages={"required": _("Choose the age group (or 'not sure').")},
        )
        answers = words["answers"]
        for item_id in item_ids:
            self.fields[f"q_{item_id}"] = forms.ChoiceField(
                label=words["items"][item_id],
                choices=[(value, answers[value]) for value in ANSWERS],
                widget=forms.RadioSelect,
                required=False,
            )
        self.item_ids = tuple(item_ids)

    def answers(self) -> dict[str, str]:
        return {
            item_id: self.cleaned_data[f"q_{item_id}"]
            for item_id in self.item_ids
            if self.cleaned_data.get(f"q_{item_id}")
        }


class ProviderChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        kind = obj.get_provider_type_display() if obj.provider_type else ""
        return f"{obj.name} ({kind})" if kind else obj.name


class ReferForm(forms.Form):
    """The one step after a screen, with the person's consent."""

    consent_referral = forms.BooleanField(
        label=_("The person agrees to be referred for formal identification and help"),
        error_messages={"required": _("Without the person's consent nothing is recorded.")},
    )
    consent_data_sharing = forms.BooleanField(
        label=_("The person agrees that their details are shared with the provider"),
        required=False,
    )
    consent_on = forms.DateField(
        label=_("Consent given on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    survivor_code = forms.CharField(
        label=_("Already registered? Survivor code"),
        max_length=20,
        required=False,
        help_text=_("Leave empty to register the person now."),
    )
    given_name = forms.CharField(label=_("Given name"), max_length=120, required=False)
    family_name = forms.CharField(label=_("Family name"), max_length=120, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, initial=Sex.UNKNOWN)
    birth_year = forms.IntegerField(label=_("Birth year"), required=False)
    nationality = forms.CharField(
        label=_("Nationality (ISO code, e.g. MM)"), max_length=2, required=False
    )
    service_type = forms.ModelChoiceField(
        label=_("Service asked for"), queryset=ServiceType.objects.none()
    )
    provider = ProviderChoiceField(label=_("Refer to"), queryset=Organisation.objects.none())
    register_anyway = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user: User, screen, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("consent_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        root = implementer_path(screen.organisation.path)
        self.fields["provider"].queryset = (
            Organisation.objects.filter(path__startswith=root, provider_profile__isnull=False)
            .exclude(pk=screen.organisation_id)
            .order_by("name")
        )
        self.fields["service_type"].queryset = ServiceType.objects.filter(active=True).order_by(
            "name"
        )
        self.screen = screen

    def clean_nationality(self) -> str:
        value = (self.cleaned_data.get("nationality") or "").strip().upper()
        if value and value not in COUNTRY_NAMES:
            raise forms.ValidationError(_("Use the two-letter ISO code (e.g. MM, KH, LA)."))
        return value

    def clean_consent_on(self) -> dt.date:
        value = self.cleaned_data["consent_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The date of consent cannot be in the future."))
        return value

    def clean(self):
        data = super().clean()
        code = (data.get("survivor_code") or "").strip()
        named = (data.get("given_name") or "").strip() or (data.get("family_name") or "").strip()
        if not code and not named:
            raise forms.ValidationError(
                _("Give the person's name to register them, or the code of their record.")
            )
        return data


class ScreenFilterForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("Channel"), choices=[("", _("All"))] + Channel.choices, required=False
    )
    language = forms.ChoiceField(label=_("Language"), required=False)
    consent = forms.ChoiceField(
        label=_("Consent"), choices=[("", _("All"))] + ConsentState.choices, required=False
    )
    suggests = forms.ChoiceField(
        label=_("Referral suggested"),
        choices=[("", _("All")), ("yes", _("Yes")), ("no", _("No"))],
        required=False,
    )
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        names = language_names()
        self.fields["language"].choices = [("", _("All"))] + [
            (code, names[code]) for code in LANGUAGES
        ]

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError(_("The period ends before it starts."))
        return data


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError(_("The period ends before it starts."))
        return data


class FrameworkForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    kind = forms.ChoiceField(label=_("Kind"), choices=FrameworkKind.choices)
    country = forms.CharField(
        label=_("Country (ISO code)"),
        max_length=2,
        required=False,
        help_text=_("Leave empty for a regional or international instrument."),
    )
    countries = forms.CharField(
        label=_("Applies to (regional instruments)"),
        max_length=200,
        required=False,
        help_text=_("ISO codes separated by ';', e.g. TH;KH;LA."),
    )
    issuing_body = forms.CharField(label=_("Issuing body"), max_length=200, required=False)
    adopted = forms.CharField(
        label=_("Adopted"),
        max_length=10,
        required=False,
        help_text=_("YYYY, YYYY-MM or YYYY-MM-DD, as precise as known; empty when unsure."),
    )
    amended = forms.CharField(
        label=_("Amended"),
        max_length=100,
        required=False,
        help_text=_("Amendment dates separated by ';' (same format)."),
    )
    url = forms.URLField(label=_("Link"), max_length=500, required=False, assume_scheme="https")
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 5}),
                              required=False)  # fmt: skip
