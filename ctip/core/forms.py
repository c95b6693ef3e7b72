from django import forms
from django.utils.translation import gettext_lazy as _

from ctip.core.audit import Action


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("6-digit code"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


ACTION_CHOICES = [("", _("any action"))] + [
    (value, value) for name, value in vars(Action).items() if name.isupper()
]


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=_("user"), required=False)
    action = forms.ChoiceField(label=_("action"), choices=ACTION_CHOICES, required=False)
    object_ref = forms.CharField(label=_("record"), required=False)
    since = forms.DateField(
        label=_("from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def filter(self, entries):
        data = self.cleaned_data
        if data.get("actor"):
            entries = entries.filter(actor_username=data["actor"])
        if data.get("action"):
            entries = entries.filter(action=data["action"])
        if data.get("object_ref"):
            entries = entries.filter(object_ref__iexact=data["object_ref"])
        if data.get("since"):
            entries = entries.filter(at__date__gte=data["since"])
        if data.get("until"):
            entries = entries.filter(at__date__lte=data["until"])
        return entries
