"""Pages of `followup`: the worklist, recording a follow-up with its assessments, the survivor's
outcome timeline, contact routes and attempts, outcome events, cohorts, settings, instruments.

Thin adapters. Survivor pages start from `survivor_get` (out of scope is 404) and audit the read
like the survivor page; forms that write are for PII roles only (404 for everyone else);
contact details appear only for PII roles and only while follow-up consent is in force.
"""

import datetime as dt
from collections import Counter, defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Avg, Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from ctip.cases.forms import add_service_errors
from ctip.cases.selectors import PII_COLUMNS, survivor_get, survivors_visible_to
from ctip.cases.services import survivor_view_record
from ctip.core.audit import Origin
from ctip.core.charts import bar_chart, line_chart
from ctip.core.models import Role
from ctip.core.selectors import user_can_read_pii, user_can_read_records
from ctip.followup import scoring, selectors
from ctip.followup.forms import (
    AddFollowupForm,
    AttemptForm,
    CohortForm,
    FollowupRecordForm,
    InstrumentForm,
    OutcomeForm,
    RouteEditForm,
    RouteForm,
    SettingsForm,
)
from ctip.followup.km import curve_points
from ctip.followup.models import (
    Assessment,
    ContactState,
    ContactStatus,
    FollowUp,
    FollowupResult,
    FollowupStatus,
    OutcomeKind,
)
from ctip.followup.services import (
    AnswerSheet,
    assessment_record,
    attempt_record,
    cohort_draw,
    followup_add,
    followup_record,
    followup_settings_set,
    outcome_record,
    route_add,
    route_update,
    schedule_generate,
)

DUE_SOON_DAYS = 14
COHORT_DUE_DAYS = 30


def _records_reader(request):
    if not user_can_read_records(request.user):
        raise Http404
    return request.user


def _pii_editor(request):
    if not user_can_read_pii(request.user):
        raise Http404
    return request.user


def _timeline_url(survivor) -> str:
    return reverse("followup:timeline", args=[survivor.code])


def retention_chart(observations, *, months: int, step: int, title: str) -> str:
    points = curve_points([(o.months, o.lost) for o in observations], months, step)
    if not observations:
        return ""
    return line_chart(
        [(str(month), value) for month, value in points], title=title, y_max=100, unit="%"
    )


# --- the worklist -----------------------------------------------------------------------------


@never_cache
@login_required
def worklist(request):
    user = _records_reader(request)
    today = timezone.localdate()
    everyone = request.GET.get("all") == "1" and user.role == Role.CASE_SUPERVISOR
    items = list(selectors.worklist(user, today=today, days=DUE_SOON_DAYS, everyone=everyone))
    for item in items:
        item.days_overdue = (today - item.due_on).days
    survivors = survivors_visible_to(user)
    followups = selectors.followups_visible_to(user)
    following = selectors.with_consent(survivors, "pk")
    counts = {
        "pending": selectors.with_consent(
            followups.filter(status=FollowupStatus.PENDING), "survivor_id"
        ).count(),
        "overdue": selectors.with_consent(
            followups.filter(status=FollowupStatus.PENDING, due_on__lt=today), "survivor_id"
        ).count(),
        "lost": following.filter(followup_state__status=ContactStatus.LOST).count(),
        "in_contact": following.filter(followup_state__status=ContactStatus.IN_CONTACT).count(),
    }
    observations = selectors.retention_observations(survivors, today)
    context = {
        "overdue": [f for f in items if f.due_on < today],
        "due_soon": [f for f in items if f.due_on >= today],
        "today": today,
        "days": DUE_SOON_DAYS,
        "everyone": everyone,
        "has_worklist": user.role in selectors.WORKLIST_ROLES,
        "is_supervisor": user.role == Role.CASE_SUPERVISOR,
        "counts": counts,
        "retention": retention_chart(
            observations, months=36, step=3, title=_("Still in contact, months after opening")
        ),
        "observed": len(observations),
        "can_draw": selectors.user_may_draw_cohorts(user),
    }
    return render(request, "followup/worklist.html", context)


# --- the outcome timeline ---------------------------------------------------------------------


def _score_chart(series) -> str:
    points = [(date_format(a.taken_on, "M y"), a.score) for a in series.assessments]
    return line_chart(
        points,
        title=_("%(instrument)s over time") % {"instrument": series.label},
        y_max=series.score_max or None,
    )


@never_cache
@login_required
def timeline(request, code):
    survivor = survivor_get(request.user, code)
    survivor_view_record(origin=Origin.from_request(request), survivor=survivor)
    user = request.user
    can_edit = user_can_read_pii(user)
    consent_on = selectors.consent_given_on(survivor)
    language = get_language() or "en"
    catalogue = selectors.catalogue_for(survivor.organisation)

    followups = survivor.followups.order_by("due_on", "id")
    attempts = survivor.contact_attempts.select_related("by", "followup")
    events = survivor.outcome_events.select_related("created_by")
    assessments = survivor.assessments.prefetch_related("dimension_scores")
    if not can_edit:
        followups = followups.defer("note")
        attempts = attempts.defer("note")
        events = events.defer("note")
    assessments = list(assessments.defer("answers"))
    series = selectors.assessment_series(assessments, catalogue, language)
    for assessment in assessments:
        instrument = catalogue.instruments.get(assessment.instrument_code)
        band = instrument and next(
            (b for bands in instrument.bands.values() for b in bands if b.key == assessment.band),
            None,
        )
        assessment.band_label = scoring.localised(band.label, language) if band else assessment.band
    charts = [(item, _score_chart(item)) for item in series]
    routes = survivor.contact_routes.all()
    if not can_edit:
        routes = routes.defer("detail", "label")
    routes = list(routes) if consent_on else []
    today = timezone.localdate()
    context = {
        "survivor": survivor,
        "can_edit": can_edit,
        "consent_on": consent_on,
        "state": ContactState.objects.filter(survivor=survivor).first(),
        "followups": list(followups),
        "pending": survivor.followups.filter(status=FollowupStatus.PENDING).exists(),
        "charts": charts,
        "dimension_rows": [
            (a, {d.dimension: d.score for d in a.dimension_scores.all()})
            for a in assessments
            if a.outcome == "reintegration"
        ],
        "events": list(events[:100]),
        "attempts": list(attempts[:100]),
        "routes": routes,
        "show_route_details": can_edit and consent_on is not None,
        "memberships": list(
            survivor.cohort_memberships.select_related("cohort").filter(left_on__isnull=True)
        ),
        "history": list(survivor.followup_events.select_related("by")[:100]),
        "instruments": catalogue.usable() if can_edit and consent_on else [],
        "today": today,
        "soon": today + dt.timedelta(days=COHORT_DUE_DAYS),
        "add_form": AddFollowupForm(),
    }
    return render(request, "followup/timeline.html", context)


# --- recording --------------------------------------------------------------------------------


def _instrument_forms(request, catalogue, instruments=None):
    language = (get_language() or "en").split("-")[0]
    return [
        InstrumentForm(request.POST or None, instrument=instrument, language=language)
        for instrument in (instruments if instruments is not None else catalogue.usable())
    ]


def _alerts(request, assessments) -> None:
    language = get_language() or "en"
    for assessment in assessments:
        for alert in getattr(assessment, "alerts", ()):
            messages.warning(request, scoring.localised(alert["message"], language))


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def record(request, uuid):
    user = _pii_editor(request)
    followup = selectors.followup_get(user, uuid)
    survivor = survivor_get(user, followup.survivor.code)
    if followup.status != FollowupStatus.PENDING:
        messages.info(request, _("This follow-up is already recorded or cancelled."))
        return redirect(_timeline_url(survivor))
    if selectors.consent_given_on(survivor) is None:
        messages.error(request, _("No follow-up consent in force: nothing can be recorded."))
        return redirect(_timeline_url(survivor))
    catalogue = selectors.catalogue_for(survivor.organisation)
    form = FollowupRecordForm(request.POST or None)
    instrument_forms = _instrument_forms(request, catalogue)
    valid = [form.is_valid()] + [f.is_valid() for f in instrument_forms]
    if request.method == "POST" and all(valid):
        sheets = [
            AnswerSheet(f.instrument.code, answers, f.language)
            for f in instrument_forms
            if (answers := f.answers())
        ]
        data = form.cleaned_data
        try:
            _followup, assessments = followup_record(
                origin=Origin.from_request(request),
                followup=followup,
                result=data["result"],
                done_on=data["done_on"],
                lost_reason=data["lost_reason"],
                note=data["note"],
                sheets=sheets,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Follow-up recorded."))
            _alerts(request, assessments)
            return redirect(_timeline_url(survivor))
    return render(
        request,
        "followup/record.html",
        {
            "survivor": survivor,
            "followup": followup,
            "form": form,
            "instrument_forms": instrument_forms,
            "missing_licensed": [
                instrument
                for code in sorted(catalogue.instruments)
                if not (instrument := catalogue.instrument(code)).has_items
            ],
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def assessment_create(request, code):
    """An assessment outside a follow-up (e.g. the baseline at intake)."""
    user = _pii_editor(request)
    survivor = survivor_get(user, code)
    catalogue = selectors.catalogue_for(survivor.organisation)
    usable = {i.code: i for i in catalogue.usable()}
    chosen = usable.get(request.POST.get("instrument") or request.GET.get("instrument", ""))
    if chosen is None:
        return render(
            request,
            "followup/assessment_choose.html",
            {"survivor": survivor, "instruments": list(usable.values())},
        )
    form = _instrument_forms(request, catalogue, [chosen])[0]
    date_form = AddFollowupForm(request.POST or None, initial={"due_on": timezone.localdate()})
    date_form.fields["due_on"].label = _("Taken on")
    valid = [form.is_valid(), date_form.is_valid()]
    if request.method == "POST" and all(valid):
        answers = form.answers()
        if not answers:
            form.add_error(None, _("Answer the items."))
        else:
            try:
                assessment = assessment_record(
                    origin=Origin.from_request(request),
                    survivor=survivor,
                    instrument_code=chosen.code,
                    answers=answers,
                    language=form.language,
                    taken_on=date_form.cleaned_data["due_on"],
                )
            except ValidationError as error:
                add_service_errors(date_form, error)
            else:
                messages.success(request, _("Assessment recorded."))
                _alerts(request, [assessment])
                return redirect(_timeline_url(survivor))
    return render(
        request,
        "followup/assessment_form.html",
        {"survivor": survivor, "form": form, "date_form": date_form, "instrument": chosen},
    )


def _survivor_form_page(request, code, form, write, title, submit, success):
    """GET shows the form; POST calls the service; its field errors land on the form."""
    survivor = survivor_get(request.user, code)
    if request.method == "POST" and form.is_valid():
        try:
            write(Origin.from_request(request), survivor, form)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, success)
            return redirect(_timeline_url(survivor))
    return render(
        request,
        "followup/form.html",
        {"survivor": survivor, "form": form, "title": title, "submit": submit},
    )


def _consented_survivor(request, code):
    survivor = survivor_get(_pii_editor(request), code)
    if selectors.consent_given_on(survivor) is None:
        messages.error(request, _("No follow-up consent in force: no contact."))
        return survivor, redirect(_timeline_url(survivor))
    return survivor, None


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def route_create(request, code):
    _survivor, refused = _consented_survivor(request, code)
    if refused:
        return refused

    def write(origin, survivor, form):
        route_add(origin=origin, survivor=survivor, **form.cleaned_data)

    return _survivor_form_page(
        request,
        code,
        RouteForm(request.POST or None),
        write,
        _("Add a contact route"),
        _("Save route"),
        _("Contact route saved."),
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def route_edit(request, code, pk):
    survivor, refused = _consented_survivor(request, code)
    if refused:
        return refused
    route = selectors.route_get(request.user, survivor, pk)
    initial = {
        "detail": route.detail,
        "label": route.label,
        "country": route.country,
        "active": route.active,
    }
    if request.method == "GET":
        survivor_view_record(origin=Origin.from_request(request), survivor=survivor)

    def write(origin, survivor, form):
        route_update(origin=origin, route=route, **form.cleaned_data)

    return _survivor_form_page(
        request,
        code,
        RouteEditForm(request.POST or None, initial=initial),
        write,
        _("Change a contact route: %(route)s") % {"route": route.get_kind_display()},
        _("Save route"),
        _("Contact route saved."),
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def attempt_create(request, code):
    survivor, refused = _consented_survivor(request, code)
    if refused:
        return refused
    routes = selectors.routes_usable_by(request.user).filter(survivor=survivor, active=True)
    if not routes.exists():
        messages.info(request, _("Add a contact route first."))
        return redirect("followup:route_create", code=survivor.code)
    followup = None
    wanted = request.GET.get("followup") or request.POST.get("followup")
    if wanted:
        followup = selectors.followup_get(request.user, wanted)
        if followup.survivor_id != survivor.pk:
            raise Http404

    def write(origin, survivor, form):
        attempt = attempt_record(
            origin=origin,
            survivor=survivor,
            followup=followup,
            **form.cleaned_data,
        )
        state = ContactState.objects.filter(survivor=survivor).first()
        if state and state.status == ContactStatus.LOST and not attempt.reached:
            messages.warning(
                request, _("Unreachable on every route for too long: now lost to follow-up.")
            )

    return _survivor_form_page(
        request,
        code,
        AttemptForm(request.POST or None, routes=routes),
        write,
        _("Record a contact attempt"),
        _("Save attempt"),
        _("Contact attempt recorded."),
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def outcome_create(request, code):
    _pii_editor(request)

    def write(origin, survivor, form):
        outcome_record(origin=origin, survivor=survivor, **form.values())

    return _survivor_form_page(
        request,
        code,
        OutcomeForm(request.POST or None),
        write,
        _("Record an outcome"),
        _("Save outcome"),
        _("Outcome recorded."),
    )


@login_required
@require_POST
def schedule_plan(request, code):
    survivor = survivor_get(_pii_editor(request), code)
    try:
        planned = schedule_generate(origin=Origin.from_request(request), survivor=survivor)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("%(n)d follow-ups planned.") % {"n": len(planned)}
            if planned
            else _("The schedule was already complete."),
        )
    return redirect(_timeline_url(survivor))


@login_required
@require_POST
def followup_create(request, code):
    survivor = survivor_get(_pii_editor(request), code)
    form = AddFollowupForm(request.POST)
    if form.is_valid():
        try:
            followup_add(
                origin=Origin.from_request(request),
                survivor=survivor,
                due_on=form.cleaned_data["due_on"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Follow-up added."))
    else:
        messages.error(request, _("Give a valid due date."))
    return redirect(_timeline_url(survivor))


# --- cohorts ----------------------------------------------------------------------------------


@never_cache
@login_required
def cohort_list(request):
    user = _records_reader(request)
    cohorts = selectors.cohorts_visible_to(user).annotate(
        members_count=Count("members", filter=Q(members__left_on__isnull=True))
    )
    return render(
        request,
        "followup/cohort_list.html",
        {"cohorts": cohorts, "can_draw": selectors.user_may_draw_cohorts(user)},
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def cohort_create(request):
    user = request.user
    if not selectors.user_may_draw_cohorts(user):
        raise Http404
    form = CohortForm(request.POST or None, organisations=list(selectors.cohort_scopes_for(user)))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            cohort = cohort_draw(
                origin=Origin.from_request(request),
                organisation=data["organisation"],
                name=data["name"],
                size=data["size"],
                seed=data["seed"],
                as_of=data["as_of"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Cohort drawn: %(n)d survivors, seed %(seed)d.")
                % {"n": cohort.members.count(), "seed": cohort.seed},
            )
            return redirect("followup:cohort_detail", pk=cohort.pk)
    return render(request, "followup/cohort_form.html", {"form": form})


@never_cache
@login_required
def cohort_detail(request, pk):
    user = _records_reader(request)
    cohort = selectors.cohort_get(user, pk)
    today = timezone.localdate()
    members = list(selectors.cohort_members_visible_to(user, cohort))
    ids = [m.survivor_id for m in members]
    followups = FollowUp.objects.filter(survivor_id__in=ids)
    due = (
        selectors.with_consent(
            followups.filter(
                status=FollowupStatus.PENDING,
                due_on__lte=today + dt.timedelta(days=COHORT_DUE_DAYS),
            ),
            "survivor_id",
        )
        .select_related("survivor", "survivor__case_worker")
        .defer("note", *(f"survivor__{c}" for c in PII_COLUMNS))
        .order_by("due_on")
    )
    states = dict(
        ContactState.objects.filter(survivor_id__in=ids).values_list("survivor_id", "status")
    )
    for member in members:
        member.contact_status = states.get(member.survivor_id, "")
    observations = selectors.retention_observations(
        survivors_visible_to(user).filter(pk__in=ids), today
    )
    # Outcome trend: mean score of each well-being instrument by schedule month.
    rows = (
        Assessment.objects.filter(
            survivor_id__in=ids, outcome__in=["wellbeing", "reintegration"], followup__isnull=False
        )
        .exclude(followup__month__isnull=True)
        .order_by()
        .values("instrument_code", "followup__month")
        .annotate(mean=Avg("score"), n=Count("pk"))
        .order_by("instrument_code", "followup__month")
    )
    trends: dict[str, list] = defaultdict(list)
    for row in rows:
        trends[row["instrument_code"]].append((row["followup__month"], row["mean"], row["n"]))
    catalogue = selectors.catalogue_for(cohort.organisation)
    trend_charts = []
    for code, points in trends.items():
        instrument = catalogue.instruments.get(code)
        label = instrument.short_name if instrument else code
        trend_charts.append(
            (
                label,
                line_chart(
                    [(str(month), round(mean, 2)) for month, mean, _n in points],
                    title=_("%(instrument)s: mean by follow-up month") % {"instrument": label},
                    y_max=instrument.score_max if instrument else None,
                ),
                points,
            )
        )
    done = followups.filter(due_on__lte=today).exclude(status=FollowupStatus.CANCELLED)
    reached = done.filter(result=FollowupResult.REACHED).count()
    kinds = Counter(
        cohort_events.kind
        for cohort_events in selectors.outcome_events_visible_to(user)
        .filter(survivor_id__in=ids)
        .only("kind")
    )
    kind_labels = dict(OutcomeKind.choices)
    context = {
        "cohort": cohort,
        "members": members,
        "due": list(due),
        "today": today,
        "retention": retention_chart(
            observations, months=120, step=6, title=_("Cohort still in contact")
        ),
        "observed": len(observations),
        "reached": reached,
        "done_total": done.count(),
        "lost": sum(1 for s in states.values() if s == ContactStatus.LOST),
        "trend_charts": trend_charts,
        "events_chart": bar_chart(
            [(str(kind_labels[k]), kinds.get(k, 0)) for k in OutcomeKind.values],
            title=_("Outcome events of the cohort"),
        )
        if kinds
        else "",
        "can_draw": selectors.user_may_draw_cohorts(user),
    }
    return render(request, "followup/cohort_detail.html", context)


# --- settings and instruments -----------------------------------------------------------------


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request):
    projects = list(selectors.settings_editable_by(request.user))
    if not projects:
        raise Http404
    code = request.POST.get("org") or request.GET.get("org") or projects[0].code
    project = next((p for p in projects if p.code == code), None)
    if project is None:
        raise Http404
    current = selectors.settings_for(project)
    initial = {
        "schedule_months": ", ".join(map(str, current.schedule_months)),
        "cohort_months": ", ".join(map(str, current.cohort_months)),
        "lost_after_days": current.lost_after_days,
    }
    form = SettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            _saved, replanned = followup_settings_set(
                origin=Origin.from_request(request),
                organisation=project,
                schedule_months=form.months(data["schedule_months"]),
                cohort_months=form.months(data["cohort_months"]),
                lost_after_days=data["lost_after_days"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Follow-up settings saved."))
            if replanned:
                messages.info(
                    request,
                    ngettext(
                        "The follow-ups of %(n)d survivor in follow-up were re-planned.",
                        "The follow-ups of %(n)d survivors in follow-up were re-planned.",
                        replanned,
                    )
                    % {"n": replanned},
                )
            return redirect(f"{reverse('followup:settings')}?org={project.code}")
    return render(
        request,
        "followup/settings.html",
        {"form": form, "project": project, "projects": projects},
    )


@never_cache
@login_required
def instruments(request):
    user = _records_reader(request)
    language = get_language() or "en"
    catalogue = selectors.catalogue_for(user.organisation)
    rows = []
    for code in sorted(catalogue.instruments):
        instrument = catalogue.instrument(code)
        weights = catalogue.weight_set(instrument)
        rows.append(
            {
                "instrument": instrument,
                "name": instrument.label(language),
                "unit": scoring.localised(instrument.unit, language),
                "cutoffs": sorted((k, v) for k, v in instrument.cutoffs.items() if v is not None),
                "notes": [
                    scoring.localised(instrument.notes.get(key), language)
                    for key in ("mid_note", "cutoff_note", "translation_note")
                    if instrument.notes.get(key)
                ],
                "weights": weights,
                "weights_label": scoring.localised(weights.label, language) if weights else "",
            }
        )
    return render(
        request,
        "followup/instruments.html",
        {
            "rows": rows,
            "loaded": list(selectors.definitions_visible_to(user)),
            "can_draw": selectors.user_may_draw_cohorts(user),
        },
    )
