"""Staff pages of `screening`: thin adapters over the selectors and services.

Screens are read through `selectors.screens_visible_to` (out of scope is 404); recording a
screen with a person and the consent step are for case workers and supervisors; the counts page
is for every role that sees records. The frameworks directory is readable by every signed-in
user and kept by programme managers, M&E officers and the system administrator.
"""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from ctip.cases.forms import add_service_errors
from ctip.cases.models import Survivor
from ctip.cases.selectors import survivor_get
from ctip.core.audit import Action, Origin, audit_write
from ctip.core.charts import bar_chart
from ctip.core.countries import COUNTRY_NAMES
from ctip.core.selectors import user_can_read_pii, user_can_read_records
from ctip.screening import audio, selectors
from ctip.screening.forms import (
    FrameworkForm,
    PeriodForm,
    QuestionnaireForm,
    ReferForm,
    ScreenFilterForm,
)
from ctip.screening.models import Channel, ConsentState
from ctip.screening.questionnaire import (
    CURRENT_VERSION,
    DIMENSIONS,
    LANGUAGES,
    language_names,
    structure,
    texts,
)
from ctip.screening.services import (
    PossibleDuplicates,
    framework_create,
    framework_set_listed,
    framework_update,
    screen_decline,
    screen_record,
    screen_refer,
)
from ctip.services.models import FrameworkKind
from ctip.services.selectors import frameworks_for_countries

PAGE_SIZE = 25
DIMENSION_LABELS = {
    "recruitment": _("Unfree recruitment"),
    "duress": _("Work and life under duress"),
    "leaving": _("Impossibility of leaving the employer"),
    "penalty": _("Menace of penalty"),
}


def _records_reader(request):
    if not user_can_read_records(request.user):
        raise Http404
    return request.user


def _screener(request):
    if not selectors.user_may_screen(request.user):
        raise Http404
    return request.user


def _framework_editor(request):
    if not selectors.user_may_edit_frameworks(request.user):
        raise Http404
    return request.user


def _rule_rows(version: int) -> list[dict]:
    """The rule's table for the page: each item, its dimension, its strength."""
    english = texts("en", version).texts
    return [
        {
            "id": item.id,
            "text": english["items"][item.id],
            "dimension": DIMENSION_LABELS.get(item.dimension, "—") if item.dimension else "—",
            "strength": item.strength or "—",
            "act": item.act,
        }
        for item in structure(version).items
    ]


# --- list and detail --------------------------------------------------------------------------


@never_cache
@login_required
def screen_list(request):
    user = _records_reader(request)
    form = ScreenFilterForm(request.GET or None)
    filters = selectors.ScreenFilters()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = selectors.ScreenFilters(
            channel=data["channel"],
            language=data["language"],
            consent=data["consent"],
            suggests=data["suggests"],
            start=data["start"],
            end=data["end"],
        )
    page = Paginator(selectors.screen_list(user, filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    names = language_names()
    for screen in page.object_list:
        screen.language_name = names.get(screen.language, screen.language)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "screening/screen_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "may_screen": selectors.user_may_screen(user),
        },
    )


@never_cache
@login_required
def screen_detail(request, pk: int):
    user = _records_reader(request)
    screen = selectors.screen_get(user, pk)
    audit_write(
        origin=Origin.from_request(request),
        action=Action.VIEW,
        object_type="screen",
        object_ref=screen.short_ref,
        organisation_code=screen.organisation.code,
    )
    words = texts(screen.language, screen.questionnaire_version)
    english = texts("en", screen.questionnaire_version).texts
    items = [
        {
            "text": english["items"][item.id],
            "answer": screen.answers.get(item.id, ""),
            "dimension": DIMENSION_LABELS.get(item.dimension, "") if item.dimension else "",
            "strength": item.strength or "",
            "act": item.act,
        }
        for item in structure(screen.questionnaire_version).items
    ]
    return render(
        request,
        "screening/screen_detail.html",
        {
            "screen": screen,
            "items": items,
            "words": words,
            "dimensions": [
                (DIMENSION_LABELS[name], getattr(screen, f"{name}_positive")) for name in DIMENSIONS
            ],
            "may_refer": (
                user_can_read_pii(user)
                and selectors.user_may_screen(user)
                and screen.channel == Channel.OUTREACH
                and screen.consent in (ConsentState.PENDING, ConsentState.DECLINED)
            ),
            "may_decline": selectors.user_may_screen(user)
            and screen.consent == ConsentState.PENDING,
            "show_survivor": screen.survivor_id is not None,
            "rule_rows": _rule_rows(screen.questionnaire_version),
        },
    )


# --- recording a screen with the person -------------------------------------------------------


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def screen_create(request):
    """One short form: the worker reads each question in the person's language (the English
    wording underneath), taps the answer; the result comes on the next page."""
    user = _screener(request)
    lang = request.POST.get("language") or request.GET.get("lang") or "en"
    if lang not in LANGUAGES:
        lang = "en"
    words = texts(lang)
    item_ids = structure().item_ids
    form = QuestionnaireForm(request.POST or None, words=words.texts, item_ids=item_ids)
    if request.method == "POST" and form.is_valid():
        try:
            screen = screen_record(
                origin=Origin.from_request(request),
                organisation=user.organisation,
                channel=Channel.OUTREACH,
                language=lang,
                age=form.cleaned_data["age"],
                answers=form.answers(),
                screened_by=user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("screening:screen_detail", pk=screen.pk)
    english = texts("en").texts
    fields = [
        {"field": form[f"q_{item_id}"], "english": english["items"][item_id]}
        for item_id in item_ids
    ]
    return render(
        request,
        "screening/screen_form.html",
        {
            "form": form,
            "fields": fields,
            "lang": lang,
            "words": words,
            "languages": language_names(),
            "english_age": english["age"]["question"],
        },
    )


@never_cache
@login_required
@require_POST
def screen_decline_view(request, pk: int):
    user = _screener(request)
    screen = selectors.screen_get(user, pk)
    try:
        screen_decline(origin=Origin.from_request(request), screen=screen)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Recorded: no consent. Only the anonymous counts are kept."))
    return redirect("screening:screen_detail", pk=screen.pk)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def screen_refer_view(request, pk: int):
    """With consent: register (or match) the survivor and send the referral, in one step."""
    user = _screener(request)
    if not user_can_read_pii(user):
        raise Http404
    screen = selectors.screen_get(user, pk)
    if screen.channel != Channel.OUTREACH or screen.consent == ConsentState.GIVEN:
        raise Http404
    form = ReferForm(request.POST or None, user=user, screen=screen)
    matches: list[Survivor] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        survivor = None
        if data["survivor_code"].strip():
            survivor = survivor_get(user, data["survivor_code"].strip())
        try:
            screen_refer(
                origin=Origin.from_request(request),
                user=user,
                screen=screen,
                provider=data["provider"],
                service_type=data["service_type"],
                consent_on=data["consent_on"],
                data_sharing=data["consent_data_sharing"],
                survivor=survivor,
                given_name=data["given_name"],
                family_name=data["family_name"],
                phone=data["phone"],
                sex=data["sex"],
                birth_year=data["birth_year"],
                nationality=data["nationality"],
                register_anyway=data["register_anyway"],
            )
        except PossibleDuplicates as found:
            matches = found.matches
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Referral sent for %(code)s.") % {"code": screen.survivor.code},
            )
            return redirect("screening:screen_detail", pk=screen.pk)
    return render(
        request,
        "screening/screen_refer.html",
        {"screen": screen, "form": form, "matches": matches},
    )


# --- counts -----------------------------------------------------------------------------------


def _default_period(today: dt.date) -> tuple[dt.date, dt.date]:
    return dt.date(today.year, 1, 1), dt.date(today.year, 12, 31)


@never_cache
@login_required
def screen_counts(request):
    user = _records_reader(request)
    start, end = _default_period(timezone.localdate())
    form = PeriodForm(request.GET or None, initial={"start": start, "end": end})
    if form.is_bound and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    queryset = selectors.screens_visible_to(user).filter(
        screened_on__gte=start, screened_on__lte=end
    )
    totals = selectors.screen_counts(queryset)
    names = language_names()
    by_language = selectors.screen_counts_by(queryset, "language")
    for row in by_language:
        row["label"] = names.get(row["key"], row["key"])
    by_channel = selectors.screen_counts_by(queryset, "channel")
    channel_labels = dict(Channel.choices)
    for row in by_channel:
        row["label"] = channel_labels.get(row["key"], row["key"])
    by_org = selectors.screen_counts_by(queryset, "organisation__name")
    for row in by_org:
        row["label"] = row["key"]
    by_month = selectors.screen_counts_by_month(queryset)
    for row in by_month:
        row["label"] = row["key"].strftime("%Y-%m") if row["key"] else "—"
    funnel = bar_chart(
        [
            (_("Screens"), totals["screens"]),
            (_("Any dimension positive"), totals["positive"]),
            (_("Referral suggested"), totals["suggested"]),
            (_("Consented"), totals["consented"]),
            (_("Referred"), totals["referred"]),
        ],
        title=_("Screens and what followed"),
    )
    return render(
        request,
        "screening/counts.html",
        {
            "form": form,
            "start": start,
            "end": end,
            "totals": totals,
            "share": round(100 * totals["referred"] / totals["screens"], 1)
            if totals["screens"]
            else None,
            "tables": [
                (_("By language"), by_language),
                (_("By channel"), by_channel),
                (_("By organisation"), by_org),
                (_("By month"), by_month),
            ],
            "funnel": funnel,
        },
    )


# --- the rule, for everyone who screens --------------------------------------------------------


@login_required
def rule_page(request):
    return render(
        request,
        "screening/rule.html",
        {
            "rule_rows": _rule_rows(CURRENT_VERSION),
            "source": structure().source,
            "voices": [
                (names_code, name, audio.has_voice(names_code), audio.audio_ready(names_code))
                for names_code, name in language_names().items()
            ],
        },
    )


# --- the frameworks directory -----------------------------------------------------------------


@login_required
def framework_list(request):
    countries = [
        (code, COUNTRY_NAMES.get(code, code), count)
        for code, count in selectors.framework_countries()
    ]
    regional = selectors.frameworks_listed().filter(country="").order_by("-adopted", "title")
    return render(
        request,
        "screening/framework_list.html",
        {
            "countries": countries,
            "regional": regional,
            "may_edit": selectors.user_may_edit_frameworks(request.user),
        },
    )


@login_required
def framework_country(request, code: str):
    code = code.upper()
    if code not in COUNTRY_NAMES:
        raise Http404
    frameworks = list(frameworks_for_countries([code]))
    groups = []
    for kind, label in FrameworkKind.choices:
        entries = [f for f in frameworks if f.kind == kind]
        if entries:
            groups.append((label, entries))
    return render(
        request,
        "screening/framework_country.html",
        {
            "code": code,
            "country": COUNTRY_NAMES[code],
            "groups": groups,
            "may_edit": selectors.user_may_edit_frameworks(request.user),
        },
    )


def _framework_initial(framework) -> dict:
    return {
        "title": framework.title,
        "kind": framework.kind,
        "country": framework.country,
        "countries": ";".join(framework.country_list),
        "issuing_body": framework.issuing_body,
        "adopted": framework.adopted,
        "amended": framework.amended,
        "url": framework.url,
        "summary": framework.summary,
    }


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def framework_create_view(request):
    _framework_editor(request)
    form = FrameworkForm(request.POST or None, initial={"country": request.GET.get("country", "")})
    if request.method == "POST" and form.is_valid():
        try:
            framework = framework_create(origin=Origin.from_request(request), **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Added to the directory."))
            return redirect(
                "screening:framework_country", code=framework.country or framework.country_list[0]
            )
    return render(
        request, "screening/framework_form.html", {"form": form, "title": _("Add an instrument")}
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def framework_edit(request, pk: int):
    _framework_editor(request)
    framework = selectors.framework_get(pk, include_unlisted=True)
    form = FrameworkForm(request.POST or None, initial=_framework_initial(framework))
    if request.method == "POST":
        if "listed" in request.POST:
            framework_set_listed(
                origin=Origin.from_request(request),
                framework=framework,
                listed=request.POST["listed"] == "1",
            )
            messages.success(request, _("Saved."))
            return redirect("screening:framework_edit", pk=framework.pk)
        if form.is_valid():
            try:
                framework_update(
                    origin=Origin.from_request(request), framework=framework, **form.cleaned_data
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Saved."))
                return redirect(
                    "screening:framework_country",
                    code=framework.country or framework.country_list[0],
                )
    return render(
        request,
        "screening/framework_form.html",
        {"form": form, "framework": framework, "title": _("Edit an instrument")},
    )
