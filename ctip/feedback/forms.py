"""Forms of `feedback`. The public form takes its words from the language's data file (texts.py);
the staff forms use gettext like the rest of ctip."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ctip.feedback import receipts, texts
from ctip.feedback.models import BODY_MAX_CHARS, ActionKind, Audience, Channel, Status
from ctip.feedback.texts import FormTexts

HONEYPOT = "website"


class PublicFeedbackForm(forms.Form):
    """What a sender fills in: every question optional, at least one answered.

    Error messages are keys of the texts' ``errors`` so the page shows them in its language.
    """

    satisfaction = forms.TypedChoiceField(
        choices=[(str(v), str(v)) for v in texts.SCALE],
        coerce=int,
        required=False,
        empty_value=None,
    )
    themes = forms.MultipleChoiceField(choices=(), required=False)
    body = forms.CharField(required=False, strip=True)
    safeguarding = forms.BooleanField(required=False)
    token = forms.CharField(required=False)
    lang = forms.CharField(required=False)
    # The honeypot: hidden from people by the stylesheet, filled in by naive bots.
    website = forms.CharField(required=False)

    def __init__(self, *args, channel: Channel, form_texts: FormTexts, **kwargs):
        super().__init__(*args, **kwargs)
        self.channel = channel
        self.t = form_texts
        self.fields["themes"].choices = [(t, texts.theme_name(t)) for t in channel.themes]
        answer_choices = [(a, a) for a in texts.ANSWERS]
        for code in channel.questions:
            self.fields[f"q_{code}"] = forms.ChoiceField(choices=answer_choices, required=False)

    def clean_body(self):
        body = self.cleaned_data["body"]
        if len(body) > BODY_MAX_CHARS:
            raise ValidationError("too_long")
        return body

    def clean_website(self):
        if self.cleaned_data["website"]:
            raise ValidationError("honeypot")
        return ""

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if not (
            data.get("satisfaction") or self.answers() or data.get("themes") or data.get("body")
        ):
            raise ValidationError("empty")
        return data

    def answers(self) -> dict[str, str]:
        return {
            code: self.cleaned_data.get(f"q_{code}")
            for code in self.channel.questions
            if self.cleaned_data.get(f"q_{code}")
        }

    def error_texts(self) -> list[str]:
        """Each problem once, in the page's language."""
        keys = []
        for errors in self.errors.values():
            for error in errors:
                key = error if error in self.t.texts["errors"] else "invalid"
                if key not in keys:
                    keys.append(key)
        return [self.t.texts["errors"][key] for key in keys]


class StatusLookupForm(forms.Form):
    code = forms.CharField(max_length=40)
    token = forms.CharField(required=False)
    lang = forms.CharField(required=False)
    # Its length is checked by the service (a long message must not read as a wrong code).
    message = forms.CharField(required=False)

    def clean_code(self):
        return receipts.code_normalise(self.cleaned_data["code"])


# --- staff -------------------------------------------------------------------------------------


def _language_choices():
    return [(code, texts.form_texts(code).name) for code in texts.LANGUAGES]


class ChannelForm(forms.Form):
    slug = forms.SlugField(
        label=_("Short address"),
        max_length=40,
        help_text=_("The form lives at /f/<address>: short, lower case, no spaces."),
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    organisation = forms.ModelChoiceField(label=_("Organisation"), queryset=None)
    audience = forms.ChoiceField(label=_("Audience"), choices=Audience.choices)
    languages = forms.MultipleChoiceField(
        label=_("Languages (the first ticked is the default)"),
        choices=_language_choices,
        widget=forms.CheckboxSelectMultiple,
    )
    questions = forms.MultipleChoiceField(
        label=_("Closed questions"),
        choices=[(q, texts.question_text(q)) for q in texts.QUESTIONS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    themes = forms.MultipleChoiceField(
        label=_("Themes to pick"),
        choices=[(t, texts.theme_name(t)) for t in texts.THEMES],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    ask_satisfaction = forms.BooleanField(
        label=_("Ask the picture scale (faces)"), required=False, initial=True
    )
    ask_free_text = forms.BooleanField(label=_("Ask for free text"), required=False, initial=True)
    rate_limit_per_minute = forms.IntegerField(
        label=_("Submissions accepted per minute"), min_value=1, max_value=100000, initial=60
    )
    is_open = forms.BooleanField(label=_("Open for new feedback"), required=False, initial=True)

    def __init__(self, *args, organisations, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        if editing:
            del self.fields["slug"]
            del self.fields["organisation"]
        else:
            del self.fields["is_open"]


class PrintSheetsForm(forms.Form):
    count = forms.IntegerField(label=_("Number of sheets"), min_value=1, max_value=200, initial=20)
    language = forms.ChoiceField(label=_("Language of the sheets"), choices=())

    def __init__(self, *args, channel: Channel, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [
            (code, texts.form_texts(code).name) for code in channel.languages
        ]


class PaperCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Sheet code (16 digits)"),
        max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def clean_code(self):
        code = receipts.code_normalise(self.cleaned_data["code"])
        if not receipts.code_is_well_formed(code):
            raise ValidationError(_("This code has a typing mistake: check each digit."))
        return code


class PaperEntryForm(forms.Form):
    """The clerk's copy of a returned sheet (the code was checked in the step before)."""

    code = forms.CharField(widget=forms.HiddenInput)
    received_on = forms.DateField(
        label=_("Received on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    language = forms.ChoiceField(label=_("Language the sheet is written in"), choices=())
    satisfaction = forms.TypedChoiceField(
        label=_("Face ticked"),
        choices=[("", _("none"))] + [(str(v), str(v)) for v in texts.SCALE],
        coerce=int,
        required=False,
        empty_value=None,
    )
    themes = forms.MultipleChoiceField(
        label=_("Themes ticked"), choices=(), widget=forms.CheckboxSelectMultiple, required=False
    )
    body = forms.CharField(
        label=_("Message, as written"),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        max_length=BODY_MAX_CHARS,
    )
    safeguarding = forms.BooleanField(
        label=_("The box “about a staff member's conduct” is ticked"), required=False
    )

    def __init__(self, *args, channel: Channel, **kwargs):
        super().__init__(*args, **kwargs)
        self.channel = channel
        self.fields["received_on"].initial = timezone.localdate()
        self.fields["language"].choices = [
            (code, texts.form_texts(code).name) for code in channel.languages
        ]
        self.fields["themes"].choices = [(t, texts.theme_name(t)) for t in channel.themes]
        labels = texts.form_texts("en").texts["answers"]
        for code in channel.questions:
            self.fields[f"q_{code}"] = forms.ChoiceField(
                label=texts.question_text(code),
                choices=[("", _("not answered"))] + [(a, labels[a]) for a in texts.ANSWERS],
                required=False,
            )

    def answers(self) -> dict[str, str]:
        return {
            code: self.cleaned_data[f"q_{code}"]
            for code in self.channel.questions
            if self.cleaned_data.get(f"q_{code}")
        }


class FeedbackFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any"))] + Status.choices, required=False
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=(), required=False)
    theme = forms.ChoiceField(label=_("Theme"), choices=(), required=False)
    tag = forms.CharField(label=_("Tag"), required=False, max_length=40)
    source = forms.ChoiceField(
        label=_("Source"),
        choices=[("", _("Any")), ("online", _("Online")), ("paper", _("Paper"))],
        required=False,
    )
    mine = forms.BooleanField(label=_("Assigned to me"), required=False)
    awaiting = forms.BooleanField(label=_("Waiting for a reply"), required=False)
    spam = forms.BooleanField(label=_("Show spam only"), required=False)
    safeguarding = forms.BooleanField(label=_("Safeguarding only"), required=False)

    def __init__(self, *args, channels, language: str, show_safeguarding: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = [("", _("Any"))] + [(c.slug, c.name) for c in channels]
        self.fields["theme"].choices = [("", _("Any"))] + [
            (t, texts.theme_name(t, language)) for t in texts.THEMES
        ]
        if not show_safeguarding:
            del self.fields["safeguarding"]


class TriageForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Status.choices)
    assigned_to = forms.ModelChoiceField(
        label=_("Assigned to"), queryset=None, required=False, empty_label=_("nobody")
    )
    themes = forms.MultipleChoiceField(
        label=_("Themes"), choices=(), widget=forms.CheckboxSelectMultiple, required=False
    )
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=400,
        help_text=_("Separate tags with commas."),
    )

    def __init__(self, *args, assignable, language: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assigned_to"].queryset = assignable
        self.fields["themes"].choices = [(t, texts.theme_name(t, language)) for t in texts.THEMES]

    def tag_list(self) -> list[str]:
        return [label.strip() for label in self.cleaned_data["tags"].split(",") if label.strip()]


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Reply to the sender"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=BODY_MAX_CHARS,
        help_text=_(
            "The sender reads this with the receipt code. Write plainly, in their language; "
            "never name anyone."
        ),
    )
    close = forms.BooleanField(label=_("Close the feedback with this reply"), required=False)


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Internal note"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=BODY_MAX_CHARS,
        help_text=_("Staff only; never shown to the sender. Stored encrypted."),
    )


class ActionForm(forms.Form):
    title = forms.CharField(label=_("What was done"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=ActionKind.choices)
    taken_on = forms.DateField(label=_("Taken on"), widget=forms.DateInput(attrs={"type": "date"}))
    description = forms.CharField(
        label=_("Details"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    organisation = forms.ModelChoiceField(label=_("Organisation"), queryset=None)

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        self.fields["taken_on"].initial = timezone.localdate()


class LinkActionForm(forms.Form):
    action = forms.ModelChoiceField(label=_("Action taken"), queryset=None, to_field_name="uuid")

    def __init__(self, *args, actions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].queryset = actions
