"""The anonymous pages: the form, the receipt, the status page, the poster.

Every view here goes through ``no_trace``: the request loses its client address, user agent,
referer and cookies before the view sees it, the session is replaced by an empty one that is
never saved (so no Set-Cookie), the views are CSRF-exempt and never call ``get_token`` (their
forms carry a signed token instead, see protection.py), and no template here touches the
session, the user or the messages. Language comes from ``?lang=`` (or the browser's
Accept-Language, read and forgotten), never from a cookie.
"""

import segno
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_http_methods

from ctip.core.anonymous import no_trace
from ctip.feedback import protection, receipts, texts
from ctip.feedback.faces import face_svg
from ctip.feedback.forms import PublicFeedbackForm, StatusLookupForm
from ctip.feedback.models import Author, Channel
from ctip.feedback.selectors import channel_public_get, conversation, feedback_by_receipt
from ctip.feedback.services import (
    ChannelClosed,
    RateLimited,
    feedback_submit,
    sender_write_back,
)

MAX_POST_BYTES = 64 * 1024
ANY_CHANNEL = "*"


def _render(request, template: str, context: dict, *, lang: str, status: int = 200):
    form_texts = texts.form_texts(lang)
    context = {
        "t": form_texts.texts,
        "meta": form_texts,
        "lang": lang,
        **context,
    }
    with translation.override(lang if lang in dict(settings.LANGUAGES) else "en"):
        response = render(request, template, context, status=status)
    response["Content-Language"] = lang
    return response


def _language(request, offered) -> str:
    requested = request.POST.get("lang") or request.GET.get("lang") or ""
    return texts.choose_language(requested, offered, request.headers.get("Accept-Language", ""))


def _language_links(path: str, offered, current: str) -> list[dict]:
    return [
        {"code": code, "name": texts.form_texts(code).name, "url": f"{path}?lang={code}",
         "current": code == current}
        for code in offered
    ]  # fmt: skip


def _too_large(request) -> bool:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > MAX_POST_BYTES
    except ValueError:
        return True


def _channel_or_missing(request, slug: str):
    """The channel, or (None, page): an unknown address gets a page of ours, in the visitor's
    language and as traceless as the rest (Django's 404 page might one day set a cookie)."""
    try:
        return channel_public_get(slug), None
    except Http404:
        lang = _language(request, texts.LANGUAGES)
        path = reverse("feedback:any_status")
        page = _render(
            request,
            "feedback/public/missing.html",
            {"status_path": f"{path}?lang={lang}"},
            lang=lang,
            status=404,
        )
        return None, page


# --- the form ----------------------------------------------------------------------------------


def _form_context(request, channel: Channel, form: PublicFeedbackForm, lang: str) -> dict:
    t = texts.form_texts(lang).texts
    data = form.data if form.is_bound else {}
    chosen_themes = set(data.getlist("themes")) if form.is_bound else set()
    satisfaction = data.get("satisfaction", "") if form.is_bound else ""
    questions = [
        {
            "code": code,
            "name": f"q_{code}",
            "text": t["questions"].get(code, code),
            "answers": [
                {"value": a, "label": t["answers"][a], "checked": data.get(f"q_{code}") == a}
                for a in texts.ANSWERS
            ],
        }
        for code in channel.questions
    ]
    faces = [
        {
            "value": value,
            "label": t["scale"][str(value)],
            "svg": face_svg(value),
            "checked": satisfaction == str(value),
        }
        for value in texts.SCALE
    ]
    themes = [
        {"code": code, "label": t["themes"].get(code, code), "checked": code in chosen_themes}
        for code in channel.themes
    ]
    path = reverse("feedback:form", args=[channel.slug])
    return {
        "channel": channel,
        "form": form,
        "questions": questions,
        "faces": faces,
        "themes": themes,
        "body": data.get("body", "") if form.is_bound else "",
        "safeguarding": bool(data.get("safeguarding")) if form.is_bound else False,
        "token": protection.form_token("submit", channel.slug),
        "languages": _language_links(path, channel.languages, lang),
        "satisfaction_question": t[
            "satisfaction_question_staff" if channel.staff_audience else "satisfaction_question"
        ],
        "action": path,
        "status_path": reverse("feedback:channel_status", args=[channel.slug]),
    }


@no_trace
@require_http_methods(["GET", "HEAD", "POST"])
def feedback_form(request, slug: str):
    channel, missing = _channel_or_missing(request, slug)
    if missing:
        return missing
    lang = _language(request, channel.languages)
    if not channel.is_open:
        return _closed(request, channel, lang)
    if request.method != "POST":
        form = PublicFeedbackForm(channel=channel, form_texts=texts.form_texts(lang))
        return _render(
            request,
            "feedback/public/form.html",
            _form_context(request, channel, form, lang),
            lang=lang,
        )
    t = texts.form_texts(lang)
    if _too_large(request):
        form = PublicFeedbackForm(channel=channel, form_texts=t)
        context = _form_context(request, channel, form, lang)
        context["errors"] = [t.texts["errors"]["too_large"]]
        return _render(request, "feedback/public/form.html", context, lang=lang, status=413)
    form = PublicFeedbackForm(request.POST, channel=channel, form_texts=t)
    errors: list[str] = []
    try:
        protection.form_token_check(
            request.POST.get("token", ""),
            "submit",
            channel.slug,
            min_age=protection.min_fill_seconds(),
        )
    except protection.TokenProblem as problem:
        errors.append(t.texts["errors"][problem.kind])
    if form.is_valid() and not errors:
        data = form.cleaned_data
        try:
            submission = feedback_submit(
                channel=channel,
                language=lang,
                satisfaction=data["satisfaction"],
                answers=form.answers(),
                themes=data["themes"],
                body=data["body"],
                safeguarding=data["safeguarding"],
            )
        except RateLimited:
            context = _form_context(request, channel, form, lang)
            context["busy"] = True
            return _render(request, "feedback/public/form.html", context, lang=lang, status=429)
        except ChannelClosed:
            return _closed(request, channel, lang)
        except ValidationError as exc:
            key = exc.code if exc.code in t.texts["errors"] else "invalid"
            errors.append(t.texts["errors"][key])
        else:
            status_path = reverse("feedback:channel_status", args=[channel.slug])
            return _render(
                request,
                "feedback/public/receipt.html",
                {
                    "channel": channel,
                    "code": submission.code_grouped,
                    "status_url": request.build_absolute_uri(f"{status_path}?lang={lang}"),
                    "status_path": f"{status_path}?lang={lang}",
                    "form_path": reverse("feedback:form", args=[channel.slug]) + f"?lang={lang}",
                },
                lang=lang,
            )
    context = _form_context(request, channel, form, lang)
    context["errors"] = errors + [e for e in form.error_texts() if e not in errors]
    return _render(request, "feedback/public/form.html", context, lang=lang, status=400)


def _closed(request, channel: Channel, lang: str):
    status_path = reverse("feedback:channel_status", args=[channel.slug])
    return _render(
        request,
        "feedback/public/closed.html",
        {"channel": channel, "status_path": f"{status_path}?lang={lang}"},
        lang=lang,
    )


# --- the status page ---------------------------------------------------------------------------


@no_trace
@require_http_methods(["GET", "HEAD", "POST"])
def channel_status(request, slug: str):
    channel, missing = _channel_or_missing(request, slug)
    return missing or _status(request, channel)


@no_trace
@require_http_methods(["GET", "HEAD", "POST"])
def any_status(request):
    return _status(request, None)


def _status(request, channel: Channel | None):
    offered = channel.languages if channel else texts.LANGUAGES
    lang = _language(request, offered)
    t = texts.form_texts(lang).texts
    scope = channel.slug if channel else ANY_CHANNEL
    path = (
        reverse("feedback:channel_status", args=[channel.slug])
        if channel
        else reverse("feedback:any_status")
    )
    context = {
        "channel": channel,
        "action": path,
        "token": protection.form_token("status", scope),
        "languages": _language_links(path, offered, lang),
        "form_path": (
            reverse("feedback:form", args=[channel.slug]) + f"?lang={lang}" if channel else ""
        ),
    }
    if request.method != "POST":
        return _render(request, "feedback/public/status.html", context, lang=lang)
    if _too_large(request):
        context["problem"] = t["errors"]["too_large"]
        return _render(request, "feedback/public/status.html", context, lang=lang, status=413)
    form = StatusLookupForm(request.POST)
    try:
        protection.form_token_check(request.POST.get("token", ""), "status", scope)
    except protection.TokenProblem as problem:
        context["problem"] = t["errors"][problem.kind]
        return _render(request, "feedback/public/status.html", context, lang=lang, status=400)
    if not form.is_valid() or not receipts.code_is_well_formed(form.cleaned_data["code"]):
        context["problem"] = t["status_typo"]
        return _render(request, "feedback/public/status.html", context, lang=lang, status=400)
    limit = protection.status_limit_per_minute()
    if not protection.rate_limit_hit(
        f"status:{channel.pk if channel else ANY_CHANNEL}", limit
    ).allowed:
        context["busy"] = True
        return _render(request, "feedback/public/status.html", context, lang=lang, status=429)
    code = form.cleaned_data["code"]
    feedback = feedback_by_receipt(code, channel)
    if feedback is None:
        # The same page, after the same work, for a code never issued, one of another channel,
        # one marked as spam and a printed sheet not entered yet.
        context["problem"] = t["status_not_found"]
        return _render(request, "feedback/public/status.html", context, lang=lang)
    message = (form.cleaned_data.get("message") or "").strip()
    if message:
        try:
            sender_write_back(feedback=feedback, body=message)
        except RateLimited:
            context["busy"] = True
        except ValidationError as exc:
            key = exc.code if exc.code in t["errors"] else "invalid"
            context["write_back_problem"] = t["errors"][key]
        else:
            context["write_back_sent"] = True
    feedback.refresh_from_db()
    context.update(
        {
            "feedback": feedback,
            "code": receipts.code_grouped(code),
            "status_text": t["statuses"][feedback.status],
            "theme_names": [
                t["themes"].get(row.theme, row.theme) for row in feedback.theme_rows.all()
            ],
            "messages_": [
                {"mine": m.author_kind == Author.SENDER, "body": m.body, "on": m.sent_on}
                for m in conversation(feedback)
            ],
            "satisfaction_face": face_svg(feedback.satisfaction) if feedback.satisfaction else "",
            "satisfaction_label": (
                t["scale"][str(feedback.satisfaction)] if feedback.satisfaction else ""
            ),
        }
    )
    return _render(request, "feedback/public/conversation.html", context, lang=lang)


# --- the poster --------------------------------------------------------------------------------


@no_trace
@require_http_methods(["GET", "HEAD"])
def poster(request, slug: str):
    channel, missing = _channel_or_missing(request, slug)
    if missing:
        return missing
    lang = _language(request, channel.languages)
    address = request.build_absolute_uri(reverse("feedback:form", args=[channel.slug]))
    qr = segno.make(address, error="m").svg_inline(scale=8, dark="#111", light="#fff")
    blocks = [
        texts.form_texts(code) for code in [lang] + [c for c in channel.languages if c != lang]
    ]
    return _render(
        request,
        "feedback/public/poster.html",
        {
            "channel": channel,
            "qr_svg": qr,
            "address": address.split("://", 1)[-1],
            "blocks": blocks,
        },
        lang=lang,
    )
