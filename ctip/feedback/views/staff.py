"""Staff pages of `feedback`: triage, conversation, channels, paper, what changed, dashboard.

Every page starts from a selector of `feedback.selectors` (out of scope is 404). Times are shown
by day only: the database holds no more.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from ctip.core.audit import Action, Origin, audit_write
from ctip.core.charts import bar_chart, line_chart
from ctip.core.selectors import organisations_visible_to
from ctip.feedback import receipts, selectors, services, texts
from ctip.feedback.faces import face_svg
from ctip.feedback.forms import (
    ActionForm,
    ChannelForm,
    FeedbackFilterForm,
    LinkActionForm,
    NoteForm,
    PaperCodeForm,
    PaperEntryForm,
    PrintSheetsForm,
    ReplyForm,
    TriageForm,
)
from ctip.feedback.models import Author, EventType, PaperBatch, Status
from ctip.indicators.periods import Period, PeriodError

PAGE_SIZE = 25


def _lang() -> str:
    current = (translation.get_language() or "en").split("-")[0]
    return current if current in texts.LANGUAGES else "en"


def _reader(request):
    if not selectors.user_can_read_feedback(request.user):
        raise Http404
    return request.user


def _channel_manager(request):
    if not selectors.user_can_manage_channels(request.user):
        raise Http404
    return request.user


def _faces() -> dict[int, str]:
    return {value: face_svg(value, size=24) for value in texts.SCALE}


# --- the list ----------------------------------------------------------------------------------


@never_cache
@login_required
def feedback_list(request):
    user = _reader(request)
    channels = list(selectors.channels_visible_to(user))
    form = FeedbackFilterForm(
        request.GET or None,
        channels=channels,
        language=_lang(),
        show_safeguarding=selectors.user_is_safeguarding(user),
    )
    filters = selectors.FeedbackFilters()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = selectors.FeedbackFilters(
            status=data["status"],
            channel=data["channel"],
            theme=data["theme"],
            tag=data["tag"].strip().lower(),
            source=data["source"],
            mine=data["mine"],
            awaiting=data["awaiting"],
            spam=data["spam"],
            safeguarding=data.get("safeguarding") or False,
        )
    page = Paginator(selectors.feedback_list(user, filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    lang = _lang()
    rows = [
        {
            "item": item,
            "themes": [texts.theme_name(r.theme, lang) for r in item.theme_rows.all()],
            "tags": [t.label for t in item.tags.all()],
        }
        for item in page
    ]
    return render(
        request,
        "feedback/list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "counts": selectors.feedback_counts(user),
            "faces": _faces(),
            "is_safeguarding": selectors.user_is_safeguarding(user),
            "can_manage_channels": selectors.user_can_manage_channels(user),
            "can_enter_paper": selectors.user_can_triage(user),
        },
    )


# --- one item ----------------------------------------------------------------------------------

EVENT_LABELS = dict(EventType.choices)


def _detail_context(request, feedback, **forms) -> dict:
    user = request.user
    lang = _lang()
    theme_codes = list(feedback.theme_rows.values_list("theme", flat=True))
    tags = list(feedback.tags.values_list("label", flat=True))
    triage = forms.get("triage") or TriageForm(
        initial={
            "status": feedback.status,
            "assigned_to": feedback.assigned_to_id,
            "themes": theme_codes,
            "tags": ", ".join(tags),
        },
        assignable=selectors.users_who_can_triage(feedback),
        language=lang,
    )
    actions = selectors.actions_visible_to(user).exclude(feedback=feedback)
    question_texts = texts.form_texts(lang).texts["questions"]
    answer_texts = texts.form_texts(lang).texts["answers"]
    return {
        "feedback": feedback,
        "faces": _faces(),
        "satisfaction_label": (
            texts.form_texts(lang).texts["scale"][str(feedback.satisfaction)]
            if feedback.satisfaction
            else ""
        ),
        "language_name": texts.form_texts(feedback.language).name,
        "answers": [
            (question_texts.get(code, code), answer_texts.get(value, value))
            for code, value in feedback.answers.items()
        ],
        "themes": [texts.theme_name(code, lang) for code in theme_codes],
        "tags": tags,
        "thread": list(feedback.messages.select_related("author").order_by("seq")),
        "notes": list(feedback.notes.select_related("author")),
        "events": [
            (event, EVENT_LABELS.get(event.event_type, event.event_type))
            for event in feedback.events.select_related("actor")
        ],
        "linked_actions": list(selectors.actions_visible_to(user).filter(feedback=feedback)),
        "triage_form": triage,
        "reply_form": forms.get("reply") or ReplyForm(),
        "note_form": forms.get("note") or NoteForm(),
        "link_form": forms.get("link") or LinkActionForm(actions=actions),
        "has_actions": actions.exists(),
        "is_safeguarding": selectors.user_is_safeguarding(user),
        "can_triage_here": True,
        "Author": Author,
    }


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def feedback_detail(request, uuid):
    user = _reader(request)
    feedback = selectors.feedback_get(user, uuid)
    origin = Origin.from_request(request)
    if request.method == "GET":
        audit_write(
            origin=origin,
            action=Action.VIEW,
            object_type="feedback",
            object_ref=str(feedback.uuid),
            organisation_code=feedback.channel.organisation.code,
        )
        return render(request, "feedback/detail.html", _detail_context(request, feedback))
    do = request.POST.get("do", "")
    forms: dict = {}
    try:
        if do == "triage":
            form = TriageForm(
                request.POST,
                assignable=selectors.users_who_can_triage(feedback),
                language=_lang(),
            )
            forms["triage"] = form
            if form.is_valid():
                data = form.cleaned_data
                if data["status"] != feedback.status:
                    services.feedback_set_status(
                        origin=origin, feedback=feedback, status=data["status"]
                    )
                if data["assigned_to"] != feedback.assigned_to:
                    services.feedback_assign(
                        origin=origin, feedback=feedback, assignee=data["assigned_to"]
                    )
                current_themes = set(feedback.theme_rows.values_list("theme", flat=True))
                if set(data["themes"]) != current_themes:
                    services.feedback_set_themes(
                        origin=origin, feedback=feedback, themes=data["themes"]
                    )
                current_tags = set(feedback.tags.values_list("label", flat=True))
                wanted_tags = {label.lower() for label in form.tag_list()}
                if wanted_tags != current_tags:
                    services.feedback_set_tags(
                        origin=origin, feedback=feedback, labels=form.tag_list()
                    )
                messages.success(request, _("Saved."))
                return redirect("feedback:detail", uuid=feedback.uuid)
        elif do == "reply":
            form = ReplyForm(request.POST)
            forms["reply"] = form
            if form.is_valid():
                services.feedback_reply(
                    origin=origin,
                    feedback=feedback,
                    body=form.cleaned_data["body"],
                    close=form.cleaned_data["close"],
                )
                messages.success(
                    request, _("Reply sent: the sender reads it with the receipt code.")
                )
                return redirect("feedback:detail", uuid=feedback.uuid)
        elif do == "note":
            form = NoteForm(request.POST)
            forms["note"] = form
            if form.is_valid():
                services.feedback_note_add(
                    origin=origin, feedback=feedback, body=form.cleaned_data["body"]
                )
                messages.success(request, _("Note added."))
                return redirect("feedback:detail", uuid=feedback.uuid)
        elif do in ("spam", "not_spam"):
            services.feedback_mark_spam(origin=origin, feedback=feedback, spam=do == "spam")
            messages.success(request, _("Saved."))
            return redirect("feedback:detail", uuid=feedback.uuid)
        elif do == "escalate":
            services.feedback_escalate(origin=origin, feedback=feedback)
            messages.success(request, _("Sent to the safeguarding team."))
            if selectors.feedback_visible_to(user).filter(pk=feedback.pk).exists():
                return redirect("feedback:detail", uuid=feedback.uuid)
            return redirect("feedback:list")
        elif do == "link":
            actions = selectors.actions_visible_to(user)
            form = LinkActionForm(request.POST, actions=actions)
            forms["link"] = form
            if form.is_valid():
                services.action_link(
                    origin=origin, action=form.cleaned_data["action"], feedback=feedback
                )
                messages.success(request, _("Linked to the action taken."))
                return redirect("feedback:detail", uuid=feedback.uuid)
        else:
            raise Http404
    except ValidationError as exc:
        target = next(iter(forms.values()), None)
        if target is None:
            messages.error(request, " ".join(exc.messages))
            return redirect("feedback:detail", uuid=feedback.uuid)
        _add_errors(target, exc)
    feedback.refresh_from_db()
    return render(
        request, "feedback/detail.html", _detail_context(request, feedback, **forms), status=400
    )


# --- channels ----------------------------------------------------------------------------------


@never_cache
@login_required
def channel_list(request):
    user = request.user
    if not (selectors.user_can_read_feedback(user) or selectors.user_can_manage_channels(user)):
        raise Http404
    channels = selectors.channels_visible_to(user).select_related("organisation")
    open_counts = dict(
        selectors.feedback_visible_to(user)
        .filter(spam=False)
        .exclude(status=Status.CLOSED)
        .values_list("channel__slug")
        .annotate(n=Count("pk"))
    )
    rows = [{"channel": c, "open": open_counts.get(c.slug, 0)} for c in channels]
    return render(
        request,
        "feedback/channel_list.html",
        {"rows": rows, "can_manage_channels": selectors.user_can_manage_channels(user)},
    )


def _channel_values(data: dict) -> dict:
    return {
        "name": data["name"],
        "audience": data["audience"],
        "languages": data["languages"],
        "questions": data["questions"],
        "themes": data["themes"],
        "ask_satisfaction": data["ask_satisfaction"],
        "ask_free_text": data["ask_free_text"],
        "rate_limit_per_minute": data["rate_limit_per_minute"],
    }


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def channel_create_view(request):
    user = _channel_manager(request)
    organisations = organisations_visible_to(user).exclude(kind="provider")
    form = ChannelForm(
        request.POST or None,
        organisations=organisations,
        initial={
            "organisation": user.organisation_id,
            "languages": ["en"],
            "questions": list(texts.QUESTIONS_FOR_BENEFICIARIES),
            "themes": list(texts.THEMES_FOR_BENEFICIARIES),
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            channel = services.channel_create(
                origin=Origin.from_request(request),
                organisation=data["organisation"],
                slug=data["slug"],
                **_channel_values(data),
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Channel created."))
            return redirect("feedback:channel_detail", slug=channel.slug)
    return render(
        request, "feedback/channel_form.html", {"form": form, "title": _("New feedback channel")}
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def channel_edit(request, slug):
    user = _channel_manager(request)
    channel = selectors.channel_get(user, slug)
    initial = {field: getattr(channel, field) for field in services.CHANNEL_FIELDS}
    form = ChannelForm(request.POST or None, organisations=None, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.channel_update(
                origin=Origin.from_request(request),
                channel=channel,
                is_open=data["is_open"],
                **_channel_values(data),
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Channel saved."))
            return redirect("feedback:channel_detail", slug=channel.slug)
    return render(
        request,
        "feedback/channel_form.html",
        {"form": form, "title": _("Edit %(name)s") % {"name": channel.name}, "channel": channel},
    )


@never_cache
@login_required
def channel_detail(request, slug):
    user = request.user
    if not (selectors.user_can_read_feedback(user) or selectors.user_can_manage_channels(user)):
        raise Http404
    channel = selectors.channel_get(user, slug)
    form_path = reverse("feedback:form", args=[channel.slug])
    batches = PaperBatch.objects.filter(channel=channel).select_related("created_by")
    return render(
        request,
        "feedback/channel_detail.html",
        {
            "channel": channel,
            "public_url": request.build_absolute_uri(form_path),
            "language_names": [texts.form_texts(c).name for c in channel.languages],
            "questions": [texts.question_text(q, _lang()) for q in channel.questions],
            "themes": [texts.theme_name(t, _lang()) for t in channel.themes],
            "batches": batches[:20],
            "sheets_entered": channel.feedback.filter(source="paper").count(),
            "print_form": PrintSheetsForm(channel=channel),
            "can_manage": selectors.user_can_manage_channels(user),
            "review_languages": [
                texts.form_texts(c).name
                for c in channel.languages
                if texts.form_texts(c).machine_translated
            ],
        },
    )


@never_cache
@login_required
@require_POST
def sheets_print(request, slug):
    """Draw codes and show the sheets to print, once: the codes are not stored anywhere."""
    user = _channel_manager(request)
    channel = selectors.channel_get(user, slug)
    form = PrintSheetsForm(request.POST, channel=channel)
    if not form.is_valid():
        messages.error(
            request, _("Choose from 1 to 200 sheets and one of the channel's languages.")
        )
        return redirect("feedback:channel_detail", slug=channel.slug)
    batch, codes = services.paper_sheets_print(
        origin=Origin.from_request(request),
        channel=channel,
        count=form.cleaned_data["count"],
        language=form.cleaned_data["language"],
    )
    lang = batch.language
    form_texts = texts.form_texts(lang)
    t = form_texts.texts
    status_path = reverse("feedback:channel_status", args=[channel.slug])
    response = render(
        request,
        "feedback/sheets.html",
        {
            "channel": channel,
            "batch": batch,
            "t": t,
            "meta": form_texts,
            "lang": lang,
            "sheets": [receipts.code_grouped(code) for code in codes],
            "questions": [t["questions"].get(q, q) for q in channel.questions],
            "answers": [t["answers"][a] for a in texts.ANSWERS],
            "themes": [t["themes"].get(x, x) for x in channel.themes],
            "faces": [(face_svg(v, size=36), t["scale"][str(v)]) for v in texts.SCALE],
            "satisfaction_question": t[
                "satisfaction_question_staff" if channel.staff_audience else "satisfaction_question"
            ],
            "status_url": request.build_absolute_uri(status_path),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


# --- paper entry -------------------------------------------------------------------------------


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def paper_entry(request):
    """A clerk types in a returned sheet, found by the code printed on it."""
    user = request.user
    if not selectors.user_can_triage(user):
        raise Http404
    code_form = PaperCodeForm(request.POST or None)
    context = {"code_form": code_form, "entry_form": None}
    if request.method != "POST" or not code_form.is_valid():
        return render(request, "feedback/paper_entry.html", context)
    code = code_form.cleaned_data["code"]
    sheet = selectors.paper_sheet_for_entry(user, code)
    if sheet is None:
        code_form.add_error("code", _("No printed sheet of your channels has this code."))
        return render(request, "feedback/paper_entry.html", context)
    if sheet.entered:
        code_form.add_error("code", _("This sheet has been entered already."))
        return render(request, "feedback/paper_entry.html", context)
    entering = request.POST.get("do") == "enter"
    entry_form = PaperEntryForm(
        request.POST if entering else None,
        channel=sheet.channel,
        initial={"code": code, "language": sheet.batch.language},
    )
    context.update({"entry_form": entry_form, "sheet": sheet, "code": receipts.code_grouped(code)})
    if entering and entry_form.is_valid():
        data = entry_form.cleaned_data
        try:
            feedback = services.feedback_enter_paper(
                origin=Origin.from_request(request),
                sheet=sheet,
                received_on=data["received_on"],
                language=data["language"],
                satisfaction=data["satisfaction"],
                answers=entry_form.answers(),
                themes=data["themes"],
                body=data["body"],
                safeguarding=data["safeguarding"],
            )
        except ValidationError as exc:
            _add_errors(entry_form, exc)
        else:
            messages.success(
                request,
                _("Sheet entered. The writer can now read replies online with the sheet's code."),
            )
            if selectors.feedback_visible_to(user).filter(pk=feedback.pk).exists():
                return redirect("feedback:detail", uuid=feedback.uuid)
            return redirect("feedback:paper_entry")
    return render(request, "feedback/paper_entry.html", context)


# --- what changed ------------------------------------------------------------------------------


@never_cache
@login_required
def action_list(request):
    user = _reader(request)
    return render(
        request,
        "feedback/action_list.html",
        {"actions": selectors.actions_list(user)[:200]},
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def action_create_view(request):
    user = _reader(request)
    linked = None
    if request.GET.get("feedback") or request.POST.get("feedback"):
        linked = selectors.feedback_get(
            user, request.GET.get("feedback") or request.POST["feedback"]
        )
    organisations = organisations_visible_to(user).exclude(kind="provider")
    form = ActionForm(
        request.POST or None,
        organisations=organisations,
        initial={
            "organisation": linked.channel.organisation_id if linked else user.organisation_id
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            action = services.action_create(
                origin=Origin.from_request(request),
                organisation=data["organisation"],
                title=data["title"],
                kind=data["kind"],
                taken_on=data["taken_on"],
                description=data["description"],
                feedback=[linked] if linked else [],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Action recorded."))
            return redirect("feedback:action_detail", uuid=action.uuid)
    return render(request, "feedback/action_form.html", {"form": form, "linked": linked})


@never_cache
@login_required
def action_detail(request, uuid):
    user = _reader(request)
    action = selectors.action_get(user, uuid)
    lang = _lang()
    items = [
        {
            "item": item,
            "themes": [texts.theme_name(r.theme, lang) for r in item.theme_rows.all()],
        }
        for item in selectors.action_feedback(user, action).prefetch_related("theme_rows")
    ]
    return render(request, "feedback/action_detail.html", {"action": action, "items": items})


# --- dashboard ---------------------------------------------------------------------------------


@never_cache
@login_required
def dashboard(request):
    user = request.user
    if not selectors.user_can_see_dashboard(user):
        raise Http404
    today = timezone.localdate()
    try:
        period = (
            Period.parse(request.GET.get("period", ""))
            if request.GET.get("period")
            else (Period.containing(today, "quarter"))
        )
    except PeriodError:
        period = Period.containing(today, "quarter")
    lang = _lang()
    data = selectors.dashboard_data(user.organisation.path, period, months=6)
    theme_items = [
        (texts.theme_name(code, lang), value) for code, value in data["by_theme"].items()
    ]
    # Short axis labels ("07/26"): the full month is in the table below the charts.
    month_points = [(f"{label[5:]}/{label[2:4]}", value) for label, value in data["by_month"]]
    theme_months = [(texts.theme_name(code, lang), cells) for code, cells in data["theme_months"]]
    # One theme over time, chosen by link (default: the theme with most feedback in the period).
    codes = [code for code, _cells in data["theme_months"]]
    chosen = request.GET.get("theme", "")
    if chosen not in codes:
        counted = {c: v for c, v in data["by_theme"].items() if isinstance(v, int) and c in codes}
        chosen = max(counted, key=counted.get) if counted else (codes[0] if codes else "")
    cells = dict(data["theme_months"]).get(chosen, [])
    theme_line = (
        line_chart(
            [(point[0], cell) for point, cell in zip(month_points, cells, strict=True)],
            title=texts.theme_name(chosen, lang),
        )
        if cells
        else ""
    )
    satisfaction = data["satisfaction"]
    return render(
        request,
        "feedback/dashboard.html",
        {
            "period": period,
            "periods": [str(today.year), str(today.year - 1)]
            + [p.label for p in Period.containing(today, "quarter").last(6)][::-1],
            "data": data,
            "theme_rows": theme_items,
            "theme_chart": bar_chart(
                [(_short(label), value) for label, value in theme_items],
                title=_("Feedback by theme"),
            ),
            "month_chart": line_chart(month_points, title=_("Feedback received per month")),
            "theme_months": theme_months,
            "theme_line": theme_line,
            "theme_chosen": chosen,
            "theme_links": [(code, texts.theme_name(code, lang)) for code in codes],
            "month_labels": [label for label, _value in data["by_month"]],
            "satisfaction": satisfaction,
            "satisfaction_chart": bar_chart(
                [
                    (f"/f/{row['slug']}", row["mean"] if row["mean"] is not None else "<5")
                    for row in satisfaction
                ],
                title=_("Mean satisfaction (1–5) by channel"),
            ),
            "by_channel": data["by_channel"],
        },
    )


def _short(label: str, size: int = 20) -> str:
    """A chart label that fits the chart's label column (the table beside it has it in full)."""
    return label if len(label) <= size else label[: size - 1].rstrip() + "…"
