"""Forms of the learning pages: they parse and present; the services validate and write."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ctip.cases.forms import DATE
from ctip.feedback import texts as feedback_texts
from ctip.learning.models import (
    ActionStatus,
    ConsentScope,
    DecisionKind,
    EvaluationKind,
    EvaluationStatus,
    FeedbackMethod,
    Independence,
    Language,
    Method,
    QuestionStatus,
    TellerType,
    VerificationResult,
)

CHOOSE = [("", _("Choose…"))]
YES_NO = [("yes", _("Yes")), ("no", _("No"))]
TEXTAREA = forms.Textarea(attrs={"rows": 4})
SHORT_TEXTAREA = forms.Textarea(attrs={"rows": 2})


def _today():
    return timezone.localdate()


class OrgChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.code})"


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.username


class DomainForm(forms.Form):
    programme = OrgChoiceField(label=_("Programme"), queryset=None)
    name = forms.CharField(label=_("Domain"), max_length=120)
    description = forms.CharField(
        label=_("What belongs here"), required=False, widget=SHORT_TEXTAREA
    )
    position = forms.IntegerField(label=_("Order"), min_value=0, max_value=998, initial=1)

    def __init__(self, *args, programmes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programmes
        if programmes.count() == 1:
            self.fields["programme"].initial = programmes.first()


class DomainEditForm(forms.Form):
    name = forms.CharField(label=_("Domain"), max_length=120)
    description = forms.CharField(
        label=_("What belongs here"), required=False, widget=SHORT_TEXTAREA
    )
    position = forms.IntegerField(label=_("Order"), min_value=0, max_value=999)
    active = forms.BooleanField(label=_("In use"), required=False)


class DomainChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} · {obj.organisation.code}"


class StoryForm(forms.Form):
    organisation = OrgChoiceField(label=_("Collected at"), queryset=None)
    domain = DomainChoiceField(label=_("Domain of change"), queryset=None)
    teller_type = forms.ChoiceField(
        label=_("Told by"), choices=TellerType.choices, widget=forms.RadioSelect
    )
    language = forms.ChoiceField(label=_("Language told in"), choices=CHOOSE + Language.choices)
    collected_on = forms.DateField(label=_("Collected on"), widget=DATE, initial=_today)
    title = forms.CharField(label=_("Short title"), max_length=200)
    text = forms.CharField(
        label=_("The story"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("In the teller's words as far as possible: what changed, for whom, how."),
    )
    why_it_matters = forms.CharField(
        label=_("Why this change matters to the teller"), widget=TEXTAREA
    )
    consent = forms.ChoiceField(
        label=_("Did the teller consent to the story being used?"),
        choices=YES_NO,
        widget=forms.RadioSelect,
    )
    consent_scope = forms.ChoiceField(
        label=_("If yes: how far may it travel (always without the teller's name)?"),
        choices=[("", _("—"))] + ConsentScope.choices,
        required=False,
    )
    teller_name = forms.CharField(
        label=_("Teller's name (optional)"),
        max_length=200,
        required=False,
        help_text=_(
            "Stories are anonymised by default. A name is encrypted and shown only to staff "
            "who read personal data."
        ),
    )
    survivor_code = forms.CharField(
        label=_("Survivor record (optional)"),
        max_length=20,
        required=False,
        help_text=_("If the teller is a survivor whose record you can see: their code."),
    )

    def __init__(self, *args, organisations, domains, can_link_survivors: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        if organisations.count() == 1:
            self.fields["organisation"].initial = organisations.first()
        self.fields["domain"].queryset = domains
        if not can_link_survivors:
            del self.fields["survivor_code"]
            del self.fields["teller_name"]


class VerificationForm(forms.Form):
    verified_on = forms.DateField(label=_("Verified on"), widget=DATE, initial=_today)
    result = forms.ChoiceField(
        label=_("Result"), choices=VerificationResult.choices, widget=forms.RadioSelect
    )
    findings = forms.CharField(
        label=_("What was found (whom you spoke to, what you saw)"), widget=TEXTAREA
    )


class RoundForm(forms.Form):
    organisation = OrgChoiceField(
        label=_("Panel of"),
        queryset=None,
        help_text=_(
            "A partner's panel chooses among the stories collected there; a country project's "
            "among its partners' choices; the implementer's among the country projects' choices."
        ),
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    period_start = forms.DateField(label=_("Period from"), widget=DATE)
    period_end = forms.DateField(
        label=_("Period to"),
        widget=DATE,
        help_text=_(
            "Stories collected in the period (partner panels) or choices made by the level "
            "below in rounds held in the period."
        ),
    )
    held_on = forms.DateField(label=_("Panel held on"), widget=DATE, initial=_today)
    panel = forms.CharField(label=_("Panel members"), widget=SHORT_TEXTAREA)
    method = forms.ChoiceField(
        label=_("How the panel decides"), choices=Method.choices, widget=forms.RadioSelect
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations


class TellerFeedbackForm(forms.Form):
    fed_back_on = forms.DateField(label=_("Told on"), widget=DATE, initial=_today)
    method = forms.ChoiceField(
        label=_("How"), choices=FeedbackMethod.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("Their response (optional)"), required=False, widget=SHORT_TEXTAREA
    )


class SessionForm(forms.Form):
    organisation = OrgChoiceField(label=_("Organisation"), queryset=None)
    title = forms.CharField(label=_("Title"), max_length=200)
    held_on = forms.DateField(label=_("Held on"), widget=DATE, initial=_today)
    participants = forms.CharField(label=_("Participants"), widget=SHORT_TEXTAREA)

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        if organisations.count() == 1:
            self.fields["organisation"].initial = organisations.first()


class SessionEditForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    participants = forms.CharField(label=_("Participants"), widget=SHORT_TEXTAREA)
    conclusions = forms.CharField(label=_("What we concluded"), required=False, widget=TEXTAREA)


class IndicatorPickForm(forms.Form):
    code = forms.ChoiceField(label=_("Indicator"))
    period = forms.CharField(
        label=_("Period"), max_length=10, help_text=_("2026-Q1, 2026-03 or 2026")
    )

    def __init__(self, *args, indicators, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].choices = CHOOSE + [
            (i.code, f"{i.code} · {i.name}") for i in indicators
        ]


class ThemePickForm(forms.Form):
    theme = forms.ChoiceField(label=_("Feedback theme"))
    period = forms.CharField(
        label=_("Period"), max_length=10, help_text=_("2026-Q1, 2026-03 or 2026")
    )

    def __init__(self, *args, language: str = "en", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theme"].choices = CHOOSE + [
            (t, feedback_texts.theme_name(t, language)) for t in feedback_texts.THEMES
        ]


class StoryPickField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.ref} · {obj.title}"


class EvaluationPickField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.title


class SessionLinkForm(forms.Form):
    stories = StoryPickField(label=_("Stories"), queryset=None, required=False)
    evaluations = EvaluationPickField(label=_("Evaluations"), queryset=None, required=False)

    def __init__(self, *args, stories, evaluations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stories"].queryset = stories
        self.fields["evaluations"].queryset = evaluations


class DecisionForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Decision"), choices=DecisionKind.choices, widget=forms.RadioSelect
    )
    text = forms.CharField(label=_("What changes, or why nothing changes"), widget=SHORT_TEXTAREA)


class ActionForm(forms.Form):
    description = forms.CharField(label=_("Action"), widget=SHORT_TEXTAREA)
    owner = UserChoiceField(label=_("Owner"), queryset=None)
    due_on = forms.DateField(label=_("Due on"), widget=DATE)
    decision = forms.ModelChoiceField(
        label=_("From decision (optional)"), queryset=None, required=False
    )

    def __init__(self, *args, owners, decisions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners
        self.fields["decision"].queryset = decisions


class ActionUpdateForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ActionStatus.choices)
    done_on = forms.DateField(label=_("Done on"), widget=DATE, required=False)
    progress_note = forms.CharField(label=_("Progress note"), required=False, widget=SHORT_TEXTAREA)


class QuestionForm(forms.Form):
    programme = OrgChoiceField(label=_("Programme"), queryset=None)
    text = forms.CharField(label=_("Question"), max_length=400)
    why = forms.CharField(label=_("Why we ask it"), required=False, widget=SHORT_TEXTAREA)

    def __init__(self, *args, programmes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programmes
        if programmes.count() == 1:
            self.fields["programme"].initial = programmes.first()


class QuestionEditForm(forms.Form):
    text = forms.CharField(label=_("Question"), max_length=400)
    why = forms.CharField(label=_("Why we ask it"), required=False, widget=SHORT_TEXTAREA)
    status = forms.ChoiceField(label=_("Status"), choices=QuestionStatus.choices)
    answer = forms.CharField(label=_("What we know so far"), required=False, widget=TEXTAREA)


class LinkPickField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return getattr(obj, "link_label", None) or str(obj)


class QuestionLinkForm(forms.Form):
    items = LinkPickField(label=_("Add"), queryset=None)

    def __init__(self, *args, queryset, label, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["items"].queryset = queryset
        self.fields["items"].label = label


class EvaluationForm(forms.Form):
    programme = OrgChoiceField(label=_("Programme"), queryset=None)
    title = forms.CharField(label=_("Title"), max_length=300)
    kind = forms.ChoiceField(label=_("Kind"), choices=EvaluationKind.choices)
    independence = forms.ChoiceField(
        label=_("Internal or independent"), choices=Independence.choices
    )
    evaluator = forms.CharField(label=_("Evaluator"), max_length=200, required=False)
    planned_start = forms.DateField(label=_("Planned start"), widget=DATE)
    planned_end = forms.DateField(label=_("Planned end"), widget=DATE)
    actual_start = forms.DateField(label=_("Actual start"), widget=DATE, required=False)
    actual_end = forms.DateField(label=_("Actual end"), widget=DATE, required=False)
    budget = forms.DecimalField(
        label=_("Budget"), max_digits=12, decimal_places=2, required=False, min_value=0
    )
    currency = forms.CharField(
        label=_("Currency"), max_length=3, required=False, help_text=_("USD, THB, KHR …")
    )
    status = forms.ChoiceField(label=_("Status"), choices=EvaluationStatus.choices)
    findings = forms.CharField(label=_("Findings"), required=False, widget=TEXTAREA)
    management_response = forms.CharField(
        label=_("Management response"), required=False, widget=TEXTAREA
    )

    def __init__(self, *args, programmes=None, **kwargs):
        super().__init__(*args, **kwargs)
        if programmes is None:
            del self.fields["programme"]
        else:
            self.fields["programme"].queryset = programmes
            if programmes.count() == 1:
                self.fields["programme"].initial = programmes.first()
