"""The self-screen: the person alone, on their own or a shared phone, with audio.

The same rules as the anonymous feedback pages: every view goes through
``ctip.core.anonymous.no_trace``, which drops the client address, user agent, referer and
cookies before the view runs, replaces the session with an empty one that is never saved (no
Set-Cookie), and answers ``Cache-Control: no-store`` and ``Referrer-Policy: no-referrer``.
The form carries a signed, time-limited token instead of Django's CSRF cookie. Language comes
from ``?lang=`` (or the browser's Accept-Language, read and forgotten). The row written holds a
day, the answers and the rule's result: no name, phone, free text, address or time. No audit
entry is written (it would carry an exact time). A "leave quickly" button replaces the page
with a neutral one.
"""

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_GET, require_http_methods

from ctip.core.anonymous import no_trace
from ctip.core.audit import Origin
from ctip.screening import audio
from ctip.screening.forms import QuestionnaireForm
from ctip.screening.models import Channel
from ctip.screening.questionnaire import (
    DIMENSIONS,
    LANGUAGES,
    choose_language,
    structure,
    texts,
)
from ctip.screening.rule import screen_evaluate
from ctip.screening.selectors import organisation_for_self_screen
from ctip.screening.services import screen_record

TOKEN_SALT = "ctip.screening.self"  # noqa: S105 (a signing namespace, not a secret)
TOKEN_MAX_AGE = 4 * 60 * 60
MAX_POST_BYTES = 16 * 1024
# Where "leave quickly" goes: a page that says nothing about this one.
LEAVE_URL = "https://www.google.com/search?q=weather"


def form_token(code: str) -> str:
    return signing.TimestampSigner(salt=TOKEN_SALT).sign(f"self:{code}")


def form_token_valid(token: str, code: str) -> bool:
    try:
        value = signing.TimestampSigner(salt=TOKEN_SALT).unsign(token or "", max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:
        return False
    return value == f"self:{code}"


def _render(request, template: str, context: dict, *, lang: str, status: int = 200):
    words = texts(lang)
    context = {"t": words.texts, "meta": words, "lang": lang, "leave_url": LEAVE_URL, **context}
    with translation.override(lang if lang in dict(settings.LANGUAGES) else "en"):
        response = render(request, template, context, status=status)
    response["Content-Language"] = lang
    return response


def _too_large(request) -> bool:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > MAX_POST_BYTES
    except ValueError:
        return True


def _languages(path: str, current: str) -> list[dict]:
    return [
        {"code": code, "name": texts(code).name, "url": f"{path}?lang={code}",
         "current": code == current}
        for code in LANGUAGES
    ]  # fmt: skip


@no_trace
@require_http_methods(["GET", "POST"])
def self_screen(request, code: str):
    organisation = organisation_for_self_screen(code)
    if request.method == "POST" and _too_large(request):
        raise Http404
    requested = request.POST.get("lang") or request.GET.get("lang") or ""
    lang = choose_language(requested, request.headers.get("Accept-Language", ""))
    words = texts(lang)
    questionnaire = structure()
    path = reverse("screening:self_screen", args=[organisation.code])
    form = QuestionnaireForm(
        request.POST or None, words=words.texts, item_ids=questionnaire.item_ids
    )
    expired = False
    if request.method == "POST":
        if not form_token_valid(request.POST.get("token", ""), organisation.code):
            expired = True
        elif form.is_valid():
            try:
                screen_record(
                    origin=Origin(user=None, source="self-screen"),
                    organisation=organisation,
                    channel=Channel.SELF,
                    language=lang,
                    age=form.cleaned_data["age"],
                    answers=form.answers(),
                    audit=False,
                )
            except ValidationError:
                expired = True
            else:
                result = screen_evaluate(form.answers(), age=form.cleaned_data["age"])
                return _render(
                    request,
                    "screening/public/result.html",
                    {
                        "organisation": organisation,
                        "contact": words.texts["ui"]["contact"].replace("{org}", organisation.name),
                        "result": result,
                        "dimensions": [
                            (words.texts["dimensions"][name], result.dimensions[name].positive)
                            for name in DIMENSIONS
                        ],
                        "again_url": f"{path}?lang={lang}",
                        "languages": [],
                    },
                    lang=lang,
                )
    ready = audio.audio_ready(lang)
    questions = [
        {
            "field": form[f"q_{item_id}"],
            "audio": reverse("screening:self_audio", args=[lang, item_id]) if ready else "",
        }
        for item_id in questionnaire.item_ids
    ]
    return _render(
        request,
        "screening/public/form.html",
        {
            "organisation": organisation,
            "form": form,
            "questions": questions,
            "age_audio": reverse("screening:self_audio", args=[lang, audio.AGE_CLIP])
            if ready
            else "",
            "audio_ready": ready,
            "token": form_token(organisation.code),
            "expired": expired,
            "action": path,
            "languages": _languages(path, lang),
        },
        lang=lang,
        status=400 if expired else 200,
    )


@no_trace
@require_GET
def self_audio(request, lang: str, clip: str):
    if lang not in LANGUAGES or clip not in audio.clip_ids():
        raise Http404
    path = audio.clip_path(lang, clip)
    if not path.is_file():
        raise Http404
    response = FileResponse(path.open("rb"), content_type="audio/wav")
    return response
