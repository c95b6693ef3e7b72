"""Pages of `partnerships`: thin adapters over the selectors (scope, 404) and services (rules).

Reads start from `selectors.partnership_access`; writes need `engagement_for_edit` /
`company_for_edit`; concerns need the `pse-concerns` group and answer 404 to everyone else.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from ctip.cases.models import CaseStatus, LivelihoodInterest, StatedInterest
from ctip.cases.selectors import survivors_visible_to
from ctip.core.audit import Action, Origin, audit_write
from ctip.core.charts import bar_chart
from ctip.core.countries import COUNTRY_NAMES
from ctip.core.models import Organisation, OrganisationKind, Role, User
from ctip.core.selectors import user_can_read_records
from ctip.core.suppression import suppress_breakdown, suppress_count
from ctip.indicators.periods import Period, PeriodError
from ctip.indicators.registry import REGISTRY
from ctip.partnerships import forms as f
from ctip.partnerships import metrics, selectors, services
from ctip.partnerships.models import (
    HEALTH_FACTORS,
    PARTNERSHIP_AGREEMENTS,
    PARTNERSHIP_STAGES,
    PIPELINE,
    STAGE_ORDER,
    ActionLevel,
    Activity,
    ActivityStatus,
    AlignmentRecord,
    Commitment,
    CommitmentKind,
    ConcernStatus,
    DocumentKind,
    Draft,
    DraftKind,
    Engagement,
    EventType,
    FundingYear,
    JobOpening,
    Placement,
    Stage,
    StakeholderKind,
)
from ctip.services.models import JobPlacement, SkillsTraining

PSE_CODES = ("PSE-1", "PSE-2", "PSE-3", "PSE-4", "PSE-5")
STAGE_LABELS = dict(Stage.choices)


def _origin(request) -> Origin:
    return Origin.from_request(request)


def _reader(request):
    if not selectors.partnership_access(request.user).can_read:
        raise Http404
    return request.user


def _editor(request):
    if not selectors.partnership_access(request.user).can_edit:
        raise Http404
    return request.user


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return fallback


def _leads(user: User):
    """People who may lead an engagement: PSE officers and programme managers of the
    implementer's tree."""
    access = selectors.partnership_access(user)
    return User.objects.filter(
        is_active=True,
        role__in=[Role.PSE_OFFICER, Role.PROGRAMME_MANAGER],
        organisation__path__startswith=access.implementer.path,
    ).order_by("first_name", "username")


def _today():
    return timezone.localdate()


# --- the dashboard --------------------------------------------------------------------------


def _period(request) -> Period:
    try:
        return Period.parse(request.GET.get("period") or str(_today().year))
    except PeriodError:
        return Period.parse(str(_today().year))


def indicator_labels() -> dict[str, str]:
    """Readable names for the PSE indicators' breakdowns, cells and details."""
    return {
        "agreement_type": _("by type"),
        "organisation": _("by country project"),
        "level": _("by level"),
        "factor_concern": _("factors that are concerns"),
        "factor_strength": _("factors that are strengths"),
        "employed_at_3_months": _("still employed at 3 months"),
        "employed_at_6_months": _("still employed at 6 months"),
        "active_partnerships": _("active partnerships"),
        "with_health_check": _("with a health check"),
        "median_days_first_meeting_to_agreement": _("median days from first meeting to agreement"),
        "stalled": _("stalled"),
        "activities_planned": _("co-created activities planned"),
        "activities_implemented": _("implemented"),
        # xgettext:no-python-format
        "activities_implemented_pct": _("% implemented"),
        "mou": _("MoU"),
        "partnership": _("partnership agreement"),
        "high": _("high"),
        "medium": _("medium"),
        "low": _("low"),
        "yes": _("yes"),
        "no": _("no"),
        "not_yet_known": _("not yet known"),
        **{name: str(label) for name, label in HEALTH_FACTORS},
    }


def _indicator_rows(scope, period, *, public: bool) -> list[dict]:
    rows = []
    for code in PSE_CODES:
        indicator = REGISTRY[code]
        result = indicator.compute(scope, period)
        value = result.value
        breakdowns = {}
        for name, cells in result.disaggregations.items():
            if indicator.is_count and public:
                cells = suppress_breakdown(cells)
            breakdowns[name] = cells
        if indicator.is_count and public and isinstance(value, int):
            value = suppress_count(value)
        rows.append(
            {
                "indicator": indicator,
                "value": value,
                "numerator": result.numerator,
                "denominator": result.denominator,
                "breakdowns": breakdowns,
                "detail": result.detail,
            }
        )
    return rows


@never_cache
@login_required
def dashboard(request):
    """The PSE dashboard: funnel, stalls, health concerns, outcomes, PSE-1..5."""
    user = request.user
    access = selectors.partnership_access(user)
    if not (access.can_read or access.can_see_aggregates):
        raise Http404
    period = _period(request)
    today = _today()
    scope = access.aggregates_root
    engagements = (
        selectors.engagements_visible_to(user)
        if access.can_read
        else Engagement.objects.filter(organisation__path__startswith=scope.path)
    )
    funnel = metrics.funnel(engagements)
    medians = metrics.median_days_in_stage(engagements)
    counts = metrics.stage_counts(engagements)
    stalled = metrics.stalled(engagements, today).select_related("company", "organisation")
    context = {
        "period": period,
        "scope": scope,
        "records": access.can_read,
        "funnel_chart": bar_chart(
            [(STAGE_LABELS[s], n) for s, n in funnel], title=_("Engagements reaching each stage")
        ),
        "stage_rows": [(STAGE_LABELS[s], n, counts[s], medians[s]) for s, n in funnel],
        "closed": counts[Stage.CLOSED],
        "stalled_count": stalled.count(),
        "indicators": _indicator_rows(scope, period, public=not user_can_read_records(user)),
        "labels": indicator_labels(),
    }
    if access.can_read:
        latest = metrics.latest_health_checks(engagements, today).select_related(
            "engagement__company", "engagement__organisation"
        )
        summaries = [metrics.health_summary(check) for check in latest.prefetch_related("ratings")]
        context |= {
            "stalled": stalled.order_by("stage_since")[:50],
            "today": today,
            "health_concerns": [s for s in summaries if s.concerns],
            "checked": len(summaries),
            "check_ins_due": metrics.check_ins_due(engagements, today)[:30],
        }
    return render(request, "partnerships/dashboard.html", context)


# --- the company registry -------------------------------------------------------------------


def _company_queryset(user, form: f.CompanyFilterForm):
    queryset = selectors.companies_visible_to(user)
    if not form.is_valid():
        return queryset
    data = form.cleaned_data
    if data["q"]:
        queryset = queryset.filter(name__icontains=data["q"].strip())
    if data["sector"]:
        queryset = queryset.filter(sector=data["sector"])
    if data["country"]:
        country = data["country"]
        queryset = queryset.filter(
            Q(hq_country=country) | Q(operating_countries__contains=f";{country};")
        )
    if data["ownership"]:
        queryset = queryset.filter(ownership=data["ownership"])
    if data["targets"]:
        queryset = queryset.filter(is_target=True)
    if data["engaged"] == "yes":
        queryset = queryset.filter(engagements__isnull=False).distinct()
    elif data["engaged"] == "no":
        queryset = queryset.filter(engagements__isnull=True)
    return queryset


def _sector_country_map(user, companies) -> dict:
    """Companies per sector and country (headquarters or operations), counted in one query;
    the countries are those of the implementer's country projects."""
    access = selectors.partnership_access(user)
    countries = sorted(
        set(
            Organisation.objects.filter(
                kind=OrganisationKind.COUNTRY_PROJECT, path__startswith=access.implementer.path
            )
            .exclude(country="")
            .values_list("country", flat=True)
        )
    )
    if not countries:
        return {"countries": [], "rows": []}
    aliases = {code: f"c_{code}" for code in countries}
    rows = (
        companies.order_by()
        .values("sector")
        .annotate(
            total=Count("pk"),
            **{
                aliases[code]: Count(
                    "pk", filter=Q(hq_country=code) | Q(operating_countries__contains=f";{code};")
                )
                for code in countries
            },
        )
        .order_by("sector")
    )
    sectors = dict(f.Sector.choices)
    return {
        "countries": [(code, COUNTRY_NAMES.get(code, code)) for code in countries],
        "rows": [
            {
                "sector": row["sector"],
                "label": sectors.get(row["sector"], row["sector"]),
                "total": row["total"],
                "cells": [(code, row[aliases[code]]) for code in countries],
            }
            for row in rows
        ],
    }


@never_cache
@login_required
def company_list(request):
    user = _reader(request)
    form = f.CompanyFilterForm(request.GET or None)
    companies = _company_queryset(user, form)
    rows = companies.annotate(
        engagement_count=Count("engagements", distinct=True),
    ).prefetch_related("engagements__organisation")
    query = request.GET.copy()
    context = {
        "form": form,
        "companies": rows[:500],
        "total": companies.count(),
        "map": _sector_country_map(user, selectors.companies_visible_to(user)),
        "query": query.urlencode(),
        "can_edit": selectors.partnership_access(user).can_edit,
        "stage_labels": STAGE_LABELS,
    }
    return render(request, "partnerships/company_list.html", context)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def company_create(request):
    user = _editor(request)
    form = f.CompanyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            company = services.company_create(
                origin=_origin(request),
                implementer=selectors.partnership_access(user).implementer,
                **form.values(),
            )
        except ValidationError as error:
            f.add_service_errors(form, error)
        else:
            messages.success(request, _("%(name)s added to the registry.") % {"name": company})
            return redirect("partnerships:company_detail", uuid=company.uuid)
    return _form_page(
        request,
        form,
        title=_("Add a company"),
        submit=_("Add to the registry"),
        back=reverse("partnerships:company_list"),
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def company_edit(request, uuid):
    company = selectors.company_for_edit(request.user, uuid)
    initial = {name: getattr(company, name) for name in services.COMPANY_FIELDS}
    initial["operating_countries"] = ";".join(company.operating_country_list)
    form = f.CompanyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.company_update(origin=_origin(request), company=company, **form.values())
        except ValidationError as error:
            f.add_service_errors(form, error)
        else:
            messages.success(request, _("Company saved."))
            return redirect("partnerships:company_detail", uuid=company.uuid)
    back = reverse("partnerships:company_detail", args=[company.uuid])
    return _form_page(request, form, title=company.name, submit=_("Save"), back=back)


@login_required
@require_POST
def company_target(request, uuid):
    company = selectors.company_for_edit(request.user, uuid)
    services.company_set_target(
        origin=_origin(request), company=company, is_target=request.POST.get("target") == "1"
    )
    if request.htmx:
        return render(request, "partnerships/_target_button.html", {"company": company})
    return redirect(_safe_next(request, reverse("partnerships:company_list")))


@never_cache
@login_required
def company_detail(request, uuid):
    user = _reader(request)
    company = selectors.company_get(user, uuid)
    access = selectors.partnership_access(user)
    engagements = list(selectors.engagement_summaries_for_company(user, company))
    visible = set(
        selectors.engagements_visible_to(user).filter(company=company).values_list("pk", flat=True)
    )
    editable_projects = selectors.country_projects_editable_by(user).exclude(
        pk__in=[e.organisation_id for e in engagements]
    )
    context = {
        "company": company,
        "engagement_rows": engagements,
        "visible_ids": visible,
        "contacts": company.contacts.all(),
        "can_edit": access.can_edit,
        "can_engage": access.can_edit and editable_projects.exists(),
    }
    return render(request, "partnerships/company_detail.html", context)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def contact_create(request, uuid):
    company = selectors.company_for_edit(request.user, uuid)
    form = f.ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_add(origin=_origin(request), company=company, **form.cleaned_data)
        except ValidationError as error:
            f.add_service_errors(form, error)
        else:
            messages.success(request, _("Contact added."))
            return redirect("partnerships:company_detail", uuid=company.uuid)
    back = reverse("partnerships:company_detail", args=[company.uuid])
    return _form_page(request, form, title=_("Add a contact"), submit=_("Add"), back=back)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def engagement_create(request, uuid):
    """Start engaging a company; the page shows first who else already talks to it."""
    user = request.user
    company = selectors.company_for_edit(user, uuid)
    taken = company.engagements.values_list("organisation_id", flat=True)
    projects = selectors.country_projects_editable_by(user).exclude(pk__in=taken)
    if not projects.exists():
        raise Http404
    form = f.EngageForm(request.POST or None, projects=projects, leads=_leads(user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            engagement = services.engagement_start(
                origin=_origin(request),
                company=company,
                country_project=data["country_project"],
                stream=data["stream"],
                lead=data["lead"],
                framing=data["framing"],
                avoided_terms=data["avoided_terms"],
            )
        except ValidationError as error:
            f.add_service_errors(form, error)
        else:
            messages.success(request, _("Engagement started at the landscape stage."))
            return redirect("partnerships:engagement_detail", uuid=engagement.uuid)
    others = selectors.engagement_summaries_for_company(user, company)
    return _form_page(
        request,
        form,
        title=_("Engage %(company)s") % {"company": company.name},
        submit=_("Start the engagement"),
        back=reverse("partnerships:company_detail", args=[company.uuid]),
        others=others,
        visible_ids=set(
            selectors.engagements_visible_to(user)
            .filter(company=company)
            .values_list("pk", flat=True)
        ),
    )


# --- the board ------------------------------------------------------------------------------


def _board_context(request, project_code: str | None, error: str = "") -> dict:
    user = request.user
    access = selectors.partnership_access(user)
    projects = list(selectors.country_projects_visible_to(user).order_by("code"))
    project = next((p for p in projects if p.code == project_code), None)
    if project_code and project is None:
        raise Http404
    if project is None and len(projects) == 1:
        project = projects[0]
    engagements = selectors.engagements_visible_to(user)
    if project is not None:
        engagements = engagements.filter(organisation__path__startswith=project.path)
    today = _today()
    rows = (
        metrics.with_partnership_end(engagements)
        .select_related("company", "organisation", "lead")
        .order_by("stage_since", "company__name")
    )
    funded = metrics.confirmed_through_by_project([p.pk for p in projects])
    columns = {stage: [] for stage in PIPELINE}
    closed = 0
    editable = access.can_edit
    for engagement in rows:
        if engagement.stage == Stage.CLOSED:
            closed += 1
            continue
        engagement.days_in_stage = (today - engagement.stage_since).days
        engagement.is_stalled = metrics.is_stalled(engagement, today)
        engagement.funded_to = funded.get(engagement.organisation_id)
        engagement.past_funding = metrics.runs_past_funding(
            engagement.partnership_ends_on, engagement.funded_to
        )
        engagement.move_choices = [
            (stage, STAGE_LABELS[stage]) for stage in PIPELINE if stage != engagement.stage
        ]
        engagement.next_stage = (
            PIPELINE[engagement.stage_order + 1]
            if engagement.stage_order + 1 < len(PIPELINE)
            else None
        )
        columns[engagement.stage].append(engagement)
    funnel = metrics.funnel(engagements)
    medians = metrics.median_days_in_stage(engagements)
    return {
        "projects": projects,
        "project": project,
        "columns": [(stage, STAGE_LABELS[stage], columns[stage]) for stage in PIPELINE],
        "closed": closed,
        "can_edit": editable,
        "funnel": funnel,
        "funnel_chart": bar_chart(
            [(STAGE_LABELS[s], n) for s, n in funnel], title=_("Engagements reaching each stage")
        ),
        "medians": [(STAGE_LABELS[s], medians[s]) for s in PIPELINE],
        "funding": [(p, funded.get(p.pk)) for p in projects if project in (None, p)],
        "error": error,
        "stalled_after": metrics.STALLED_AFTER_DAYS,
    }


@never_cache
@login_required
def board(request):
    _reader(request)
    context = _board_context(request, request.GET.get("project") or None)
    return render(request, "partnerships/board.html", context)


@login_required
@require_POST
def engagement_move(request, uuid):
    """Move a card (htmx from the board answers with the board) or the engagement page's form."""
    engagement = selectors.engagement_for_edit(request.user, uuid)
    form = f.MoveForm(request.POST)
    error = ""
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.engagement_move(
                origin=_origin(request),
                engagement=engagement,
                to_stage=data["to_stage"],
                on=data["on"] or None,
                reason=data["reason"],
                note=data["note"],
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
    else:
        error = " ".join(str(e) for errors in form.errors.values() for e in errors)
    if error:
        error = _("%(company)s was not moved: %(error)s") % {
            "company": engagement.company.name,
            "error": error,
        }
    if request.POST.get("from") == "board":
        project = request.POST.get("project") or None
        if request.htmx:
            context = _board_context(request, project, error=error)
            return render(request, "partnerships/_board.html", context)
        if error:
            messages.error(request, error)
        url = reverse("partnerships:board")
        return redirect(f"{url}?project={project}" if project else url)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Stage changed."))
    return redirect("partnerships:engagement_detail", uuid=engagement.uuid)


# --- the engagement page --------------------------------------------------------------------


def _parity(engagement) -> list[dict]:
    rows = (
        Commitment.objects.filter(agreement__engagement=engagement)
        .order_by()
        .values("kind", "unit", "side")
        .annotate(total=Sum("amount"))
    )
    table: dict[tuple[str, str], dict] = {}
    kinds = dict(CommitmentKind.choices)
    for row in rows:
        key = (row["kind"], row["unit"])
        entry = table.setdefault(
            key, {"kind": kinds.get(row["kind"], row["kind"]), "unit": row["unit"],
                  "company": 0, "project": 0},
        )  # fmt: skip
        entry[row["side"]] = row["total"]
    for entry in table.values():
        total = entry["company"] + entry["project"]
        entry["company_share"] = round(100 * entry["company"] / total) if total else None
    return sorted(table.values(), key=lambda e: (e["kind"], e["unit"]))


EVENT_TEXT = {
    EventType.CREATED: gettext_lazy("Engagement started"),
    EventType.ALIGNMENT_RECORDED: gettext_lazy("Alignment record saved"),
    EventType.DUE_DILIGENCE_RECORDED: gettext_lazy("Due diligence recorded"),
    EventType.DRAFT_SAVED: gettext_lazy("Draft saved"),
    EventType.AGREEMENT_RECORDED: gettext_lazy("Agreement recorded"),
    EventType.COMMITMENT_RECORDED: gettext_lazy("Commitment recorded"),
    EventType.DOCUMENT_ADDED: gettext_lazy("Document added"),
    EventType.WORKSTREAM_ADDED: gettext_lazy("Workstream added"),
    EventType.ACTIVITY_RECORDED: gettext_lazy("Activity recorded"),
    EventType.OPENING_ADDED: gettext_lazy("Job opening added"),
    EventType.PLACEMENT_LINKED: gettext_lazy("Placement linked"),
    EventType.ACTION_LOGGED: gettext_lazy("Action logged"),
    EventType.CHECK_IN: gettext_lazy("Check-in"),
    EventType.HEALTH_CHECK: gettext_lazy("Health check"),
    EventType.STAKEHOLDER_LINKED: gettext_lazy("Stakeholder linked"),
    EventType.DETAILS_CHANGED: gettext_lazy("Details changed"),
}


def describe_event(event) -> str:
    if event.type == EventType.STAGE_CHANGED:
        text = _("%(from)s → %(to)s") % {
            "from": STAGE_LABELS.get(event.from_stage, event.from_stage),
            "to": STAGE_LABELS.get(event.to_stage, event.to_stage),
        }
        if event.reason:
            text += f" ({event.get_reason_display()})"
        return text
    text = str(EVENT_TEXT.get(event.type, event.type))
    data = event.data or {}
    if "level" in data:
        text += f": {dict(ActionLevel.choices).get(data['level'], data['level'])}"
    if data.get("avoided_terms"):
        text += " · " + _("uses avoided terms: %(terms)s") % {
            "terms": ", ".join(data["avoided_terms"])
        }
    return text


def _placements_context(user, engagement) -> dict:
    placements = Placement.objects.filter(opening__engagement=engagement).select_related(
        "job_placement__episode__survivor", "opening"
    )
    visible = set(
        survivors_visible_to(user)
        .filter(episodes__job_placement__partnership_placement__opening__engagement=engagement)
        .values_list("pk", flat=True)
    )
    rows, total, at_6 = [], 0, 0
    for placement in placements:
        total += 1
        job = placement.job_placement
        at_6 += bool(job.employed_at_6_months)
        if job.episode.survivor_id in visible:
            rows.append(placement)
    sees_people = user_can_read_records(user)
    return {
        "placement_rows": rows,
        "placement_total": total if sees_people else suppress_count(total),
        "placement_retained": at_6 if sees_people else suppress_count(at_6),
        "sees_people": sees_people,
    }


@never_cache
@login_required
def engagement_detail(request, uuid):
    user = request.user
    engagement = selectors.engagement_get(user, uuid)
    access = selectors.partnership_access(user)
    can_edit = selectors.engagements_editable_by(user).filter(pk=engagement.pk).exists()
    today = _today()
    alignment = AlignmentRecord.objects.filter(engagement=engagement).first()
    current_dd = services.due_diligence_current(engagement, today)
    agreements = list(
        engagement.agreements.prefetch_related("commitments", "documents").order_by("-signed_on")
    )
    funded_to = metrics.confirmed_through(engagement.organisation)
    ends = [a.ends_on for a in agreements if a.kind in PARTNERSHIP_AGREEMENTS and a.ends_on]
    partnership_end = max(ends) if ends else None
    workstreams = list(engagement.workstreams.prefetch_related("activities"))
    activities = Activity.objects.filter(workstream__engagement=engagement)
    activity_counts = activities.aggregate(
        planned=Count("pk"), implemented=Count("pk", filter=Q(status=ActivityStatus.IMPLEMENTED))
    )
    checks = list(engagement.health_checks.prefetch_related("ratings")[:10])
    check_ins = list(engagement.check_ins.all()[:20])
    next_check_in = metrics.next_check_in(engagement)
    links = list(engagement.stakeholder_links.select_related("stakeholder"))
    linked_kinds = {link.stakeholder.kind for link in links}
    in_group = selectors.user_in_concerns_group(user)
    others = [
        e
        for e in selectors.engagement_summaries_for_company(user, engagement.company)
        if e.pk != engagement.pk
    ]
    context = {
        "engagement": engagement,
        "company": engagement.company,
        "can_edit": can_edit,
        "today": today,
        "stalled": metrics.is_stalled(engagement, today),
        "days_in_stage": (today - engagement.stage_since).days,
        "move_choices": [(s, STAGE_LABELS[s]) for s in Stage.values if s != engagement.stage],
        "move_form": f.MoveForm(initial={"on": today}),
        "before_concept_note": engagement.stage_order < STAGE_ORDER[Stage.CONCEPT_NOTE],
        "gate_problems": services.concept_note_problems(engagement, today)
        if engagement.stage_order < STAGE_ORDER[Stage.CONCEPT_NOTE]
        else [],
        "next_stage": PIPELINE[engagement.stage_order + 1]
        if engagement.stage_order + 1 < len(PIPELINE)
        else "",
        "alignment": alignment,
        "current_dd": current_dd,
        "reviews": list(engagement.due_diligence.select_related("reviewer")[:10]),
        "drafts": list(engagement.drafts.all()[:20]),
        "agreements": agreements,
        "parity": _parity(engagement),
        "funded_to": funded_to,
        "partnership_end": partnership_end,
        "past_funding": metrics.runs_past_funding(partnership_end, funded_to),
        "funding_years": FundingYear.objects.filter(organisation=engagement.organisation),
        "workstreams": workstreams,
        "activity_counts": activity_counts,
        "openings": list(engagement.openings.annotate(placed=Count("placements"))),
        "actions": list(engagement.actions.select_related("agreement")[:30]),
        "check_ins": check_ins,
        "next_check_in": next_check_in,
        "check_in_overdue": bool(next_check_in and next_check_in < today),
        "reports": engagement.documents.filter(kind=DocumentKind.PERIODIC_REPORT),
        "documents": engagement.documents.exclude(kind=DocumentKind.PERIODIC_REPORT),
        "health": [metrics.health_summary(check) for check in checks],
        "stakeholder_links": links,
        "stakeholder_gaps": [
            label
            for kind, label in StakeholderKind.choices
            if kind not in linked_kinds and kind != StakeholderKind.OTHER
        ],  # fmt: skip
        "in_concerns_group": in_group,
        "concerns": list(selectors.concerns_visible_to(user).filter(engagement=engagement))
        if in_group
        else [],
        "others": others,
        "visible_ids": set(
            selectors.engagements_visible_to(user)
            .filter(company=engagement.company)
            .values_list("pk", flat=True)
        ),
        "history": [
            (event, describe_event(event))
            for event in engagement.events.select_related("by").order_by("-on", "-id")[:100]
        ],
        "can_see_survivors": user_can_read_records(user),
        "is_pse": access.engagements_root == access.implementer,
        "stream_employment": engagement.stream in ("employment", "both"),
    }
    context |= _placements_context(user, engagement)
    return render(request, "partnerships/engagement_detail.html", context)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def engagement_edit(request, uuid):
    engagement = selectors.engagement_for_edit(request.user, uuid)
    initial = {name: getattr(engagement, name) for name in services.ENGAGEMENT_FIELDS}
    form = f.EngagementDetailsForm(
        request.POST or None, initial=initial, leads=_leads(request.user)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.engagement_update(
                origin=_origin(request), engagement=engagement, **form.cleaned_data
            )
        except ValidationError as error:
            f.add_service_errors(form, error)
        else:
            messages.success(request, _("Engagement saved."))
            return redirect("partnerships:engagement_detail", uuid=engagement.uuid)
    return _form_page(
        request,
        form,
        title=_("Framing, lead and check-ins"),
        submit=_("Save"),
        back=_engagement_url(engagement),
        engagement=engagement,
    )


def _engagement_url(engagement, anchor: str = "") -> str:
    url = reverse("partnerships:engagement_detail", args=[engagement.uuid])
    return f"{url}#{anchor}" if anchor else url


def _form_page(request, form, *, title, submit, back, **extra):
    context = {"form": form, "title": title, "submit": submit, "back": back, **extra}
    return render(request, "partnerships/form.html", context)


# --- adding records to an engagement: one view, a table of what can be added -----------------


@dataclass(frozen=True)
class Addition:
    form: Callable
    title: str
    submit: str
    anchor: str
    save: Callable  # (origin, engagement, form) -> object
    done: str
    multipart: bool = False


def _workstreams(engagement):
    return engagement.workstreams.all()


def _agreements(engagement):
    return engagement.agreements.all()


def _save_alignment(origin, engagement, form):
    return services.alignment_record(origin=origin, engagement=engagement, **form.cleaned_data)


def _save_due_diligence(origin, engagement, form):
    data = form.cleaned_data
    return services.due_diligence_record(
        origin=origin,
        engagement=engagement,
        reviewer=data["reviewer"],
        reviewed_on=data["reviewed_on"],
        scores=form.scores(),
        rating=data["rating"],
        reasons=data["reasons"],
        notes=data["notes"],
        evidence_links=data["evidence_links"],
    )


def _save_commitment(origin, engagement, form):
    data = dict(form.cleaned_data)
    return services.commitment_add(origin=origin, **data)


def _save_document(origin, engagement, form):
    data = form.cleaned_data
    return services.document_add(
        origin=origin,
        engagement=engagement,
        kind=data["kind"],
        title=data["title"],
        upload=data["file"],
        agreement=data["agreement"],
        period=data["period"],
    )


def _save_activity(origin, engagement, form):
    data = dict(form.cleaned_data)
    return services.activity_add(origin=origin, **data)


def _save_health(origin, engagement, form):
    data = form.cleaned_data
    return services.health_check_record(
        origin=origin, engagement=engagement, on=data["on"], ratings=form.ratings(),
        note=data["note"],
    )  # fmt: skip


def _simple(service):
    def save(origin, engagement, form):
        return service(origin=origin, engagement=engagement, **form.cleaned_data)

    return save


def _reviewers(engagement, user):
    return _leads(user)


ADDITIONS: dict[str, Addition] = {
    "alignment": Addition(
        lambda e, u, *a, **k: f.AlignmentForm(*a, **k),
        gettext_lazy("Alignment record: shared interests first"),
        gettext_lazy("Save the alignment record"),
        "alignment",
        _save_alignment,
        gettext_lazy("Alignment record saved."),
    ),
    "due-diligence": Addition(
        lambda e, u, *a, **k: f.DueDiligenceForm(*a, reviewers=_leads(u), **k),
        gettext_lazy("Due diligence"),
        gettext_lazy("Record the review"),
        "due-diligence",
        _save_due_diligence,
        gettext_lazy("Due diligence recorded."),
    ),
    "agreement": Addition(
        lambda e, u, *a, **k: f.AgreementForm(*a, **k),
        gettext_lazy("Record an agreement"),
        gettext_lazy("Record"),
        "agreements",
        _simple(services.agreement_record),
        gettext_lazy("Agreement recorded."),
    ),
    "commitment": Addition(
        lambda e, u, *a, **k: f.CommitmentForm(*a, agreements=_agreements(e), **k),
        gettext_lazy("What each side commits"),
        gettext_lazy("Add the commitment"),
        "agreements",
        _save_commitment,
        gettext_lazy("Commitment recorded."),
    ),
    "document": Addition(
        lambda e, u, *a, **k: f.DocumentForm(*a, agreements=_agreements(e), **k),
        gettext_lazy("Attach a document"),
        gettext_lazy("Upload"),
        "documents",
        _save_document,
        gettext_lazy("Document stored."),
        multipart=True,
    ),
    "workstream": Addition(
        lambda e, u, *a, **k: f.WorkstreamForm(*a, **k),
        gettext_lazy("Add a co-created workstream"),
        gettext_lazy("Add"),
        "workstreams",
        _simple(services.workstream_add),
        gettext_lazy("Workstream added."),
    ),
    "activity": Addition(
        lambda e, u, *a, **k: f.ActivityForm(*a, workstreams=_workstreams(e), **k),
        gettext_lazy("Add an activity"),
        gettext_lazy("Add"),
        "workstreams",
        _save_activity,
        gettext_lazy("Activity added."),
    ),
    "opening": Addition(
        lambda e, u, *a, **k: f.OpeningForm(*a, **k),
        gettext_lazy("Add a job opening"),
        gettext_lazy("Add"),
        "openings",
        _simple(services.opening_add),
        gettext_lazy("Job opening added."),
    ),
    "action": Addition(
        lambda e, u, *a, **k: f.ActionForm(*a, agreements=_agreements(e), **k),
        gettext_lazy("Log an action"),
        gettext_lazy("Log"),
        "actions",
        _simple(services.action_log),
        gettext_lazy("Action logged."),
    ),
    "check-in": Addition(
        lambda e, u, *a, **k: f.CheckInForm(*a, **k),
        gettext_lazy("Record a check-in"),
        gettext_lazy("Record"),
        "communication",
        _simple(services.check_in_record),
        gettext_lazy("Check-in recorded."),
    ),
    "health-check": Addition(
        lambda e, u, *a, **k: f.HealthCheckForm(*a, **k),
        gettext_lazy("Partnership health check"),
        gettext_lazy("Record the health check"),
        "health",
        _save_health,
        gettext_lazy("Health check recorded."),
    ),
    "stakeholder": Addition(
        lambda e, u, *a, **k: f.StakeholderLinkForm(
            *a, stakeholders=selectors.stakeholders_visible_to(u), **k
        ),
        gettext_lazy("Link a stakeholder"),
        gettext_lazy("Link"),
        "stakeholders",
        _simple(services.stakeholder_link),
        gettext_lazy("Stakeholder linked."),
    ),
}


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def engagement_add(request, uuid, kind):
    addition = ADDITIONS.get(kind)
    if addition is None:
        raise Http404
    engagement = selectors.engagement_for_edit(request.user, uuid)
    initial = {}
    if kind == "alignment":
        record = AlignmentRecord.objects.filter(engagement=engagement).first()
        if record is not None:
            initial = {
                name: getattr(record, name)
                for name in ("company_priorities", "project_objectives", "shared_goals",
                             "project_will_not_do")
            }  # fmt: skip
    if kind == "due-diligence":
        initial["reviewer"] = request.user.pk
    data = request.POST if request.method == "POST" else None
    files = request.FILES if request.method == "POST" else None
    form = addition.form(engagement, request.user, data, files, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            addition.save(_origin(request), engagement, form)
        except ValidationError as error:
            f.add_service_errors(form, error)
        else:
            messages.success(request, addition.done)
            return redirect(_engagement_url(engagement, addition.anchor))
    extra = {}
    if kind == "due-diligence":
        extra["gate_note"] = _(
            "Score each criterion 1 (no concern) to 3 (serious). ctip suggests high when any "
            "criterion is 3 or sanctions are not 1, medium when any is 2. The review counts "
            "for the concept note until it expires; a high rating blocks the concept note."
        )
    if kind == "health-check":
        extra["health_form"] = True
    return _form_page(
        request,
        form,
        title=addition.title,
        submit=addition.submit,
        back=_engagement_url(engagement, addition.anchor),
        engagement=engagement,
        multipart=addition.multipart,
        **extra,
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def activity_edit(request, uuid):
    activity = _get_or_404(
        Activity.objects.filter(
            workstream__engagement__in=selectors.engagements_editable_by(request.user)
        ).select_related("workstream__engagement"),
        uuid,
    )
    engagement = activity.workstream.engagement
    initial = {"status": activity.status, "done_on": activity.done_on, "result": activity.result}
    form = f.ActivityUpdateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.activity_update(
                origin=_origin(request), activity=activity, **form.cleaned_data
            )
        except ValidationError as error:
            f.add_service_errors(form, error)
        else:
            messages.success(request, _("Activity saved."))
            return redirect(_engagement_url(engagement, "workstreams"))
    return _form_page(
        request,
        form,
        title=activity.title,
        submit=_("Save"),
        back=_engagement_url(engagement, "workstreams"),
        engagement=engagement,
    )


def _get_or_404(queryset, uuid):
    try:
        return queryset.get(uuid=uuid)
    except (queryset.model.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


# --- drafts and the avoided-term warning ----------------------------------------------------


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def draft_edit(request, uuid, draft=None):
    engagement = selectors.engagement_for_edit(request.user, uuid)
    instance = None
    if draft is not None:
        instance = _get_or_404(Draft.objects.filter(engagement=engagement), draft)
    initial = {}
    if instance is not None:
        initial = {"kind": instance.kind, "title": instance.title, "body": instance.body}
    elif request.GET.get("kind") in DraftKind.values:
        initial = {"kind": request.GET["kind"]}
    form = f.DraftForm(request.POST or None, initial=initial)
    hits = services.draft_term_hits(instance) if instance is not None and not request.POST else []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved, hits = services.draft_save(
                origin=_origin(request),
                engagement=engagement,
                kind=data["kind"],
                title=data["title"],
                body=data["body"],
                draft=instance,
            )
        except ValidationError as error:
            f.add_service_errors(form, error)
        else:
            if hits:
                messages.warning(
                    request,
                    _("Saved, but it uses terms %(company)s asked us to avoid: %(terms)s.")
                    % {
                        "company": engagement.company.name,
                        "terms": ", ".join(sorted({hit.term for hit in hits})),
                    },
                )
            else:
                messages.success(request, _("Saved. No avoided terms found."))
            return redirect("partnerships:draft_edit", uuid=engagement.uuid, draft=saved.uuid)
    context = {
        "engagement": engagement,
        "form": form,
        "draft": instance,
        "hits": hits,
        "terms": engagement.avoided_term_list,
        "gate_problems": services.concept_note_problems(engagement),
    }
    return render(request, "partnerships/draft_form.html", context)


# --- stream 2: openings, matches, placements -------------------------------------------------


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def opening_detail(request, uuid, opening):
    """An opening: survivors whose stated interests fit it, and the placements linked to it.

    Survivors appear only to users who may see them (`survivors_visible_to`), by code only."""
    user = request.user
    engagement = selectors.engagement_get(user, uuid)
    opening = _get_or_404(JobOpening.objects.filter(engagement=engagement), opening)
    can_edit = selectors.engagements_editable_by(user).filter(pk=engagement.pk).exists()
    visible = survivors_visible_to(user).filter(
        organisation__path__startswith=engagement.organisation.path
    )
    matches = []
    if user_can_read_records(user):
        placed = Placement.objects.filter(opening=opening).values(
            "job_placement__episode__survivor"
        )
        candidates = (
            visible.filter(
                status=CaseStatus.OPEN,
                interests__interest__in=[
                    LivelihoodInterest.JOB_PLACEMENT,
                    LivelihoodInterest.SKILLS_TRAINING,
                ],
            )
            .exclude(pk__in=placed)
            .annotate(
                wants_job=Exists(
                    StatedInterest.objects.filter(
                        survivor=OuterRef("pk"), interest=LivelihoodInterest.JOB_PLACEMENT
                    )
                )
            )
            .distinct()
            .select_related("organisation")
            .order_by("-wants_job", "code")[:100]
        )
        matches = list(candidates)
        trades = defaultdict(list)
        for survivor_id, trade, completed in SkillsTraining.objects.filter(
            episode__survivor__in=[s.pk for s in matches]
        ).values_list("episode__survivor", "trade", "completed"):
            if trade:
                trades[survivor_id].append((trade, completed))
        interests = defaultdict(list)
        labels = dict(LivelihoodInterest.choices)
        for survivor_id, interest in (
            visible.filter(pk__in=[s.pk for s in matches])
            .values_list("pk", "interests__interest")
            .distinct()
        ):
            if interest:
                interests[survivor_id].append(labels.get(interest, interest))
        for survivor in matches:
            survivor.trades = trades.get(survivor.pk, [])
            survivor.interest_labels = sorted(interests.get(survivor.pk, []))
        audit_write(
            origin=_origin(request),
            action=Action.LIST,
            object_type="survivor",
            organisation_code=user.organisation.code,
            detail={
                "what": "opening_matches",
                "opening": str(opening.uuid),
                "results": len(matches),
            },
        )
    link_form = None
    linkable = JobPlacement.objects.none()
    if can_edit and user_can_read_records(user):
        linkable = JobPlacement.objects.filter(
            episode__survivor__in=visible,
            episode__service_type__code="job_placement",
            partnership_placement__isnull=True,
        ).select_related("episode__survivor")
        link_form = f.PlacementLinkForm(request.POST or None, placements=linkable)
        if request.method == "POST" and link_form.is_valid():
            try:
                services.placement_link(
                    origin=_origin(request),
                    opening=opening,
                    job_placement=link_form.cleaned_data["job_placement"],
                )
            except ValidationError as error:
                f.add_service_errors(link_form, error)
            else:
                messages.success(request, _("Placement linked."))
                return redirect(
                    "partnerships:opening_detail", uuid=engagement.uuid, opening=opening.uuid
                )
    elif request.method == "POST":
        raise Http404
    placements = Placement.objects.filter(
        opening=opening, job_placement__episode__survivor__in=visible
    ).select_related("job_placement__episode__survivor")
    total = Placement.objects.filter(opening=opening).count()
    context = {
        "engagement": engagement,
        "opening": opening,
        "matches": matches,
        "sees_survivors": user_can_read_records(user),
        "placements": placements,
        "placement_total": total if user_can_read_records(user) else suppress_count(total),
        "link_form": link_form,
        "has_linkable": linkable.exists() if link_form is not None else False,
    }
    return render(request, "partnerships/opening_detail.html", context)


# --- documents: served only through this scoped view -----------------------------------------


@never_cache
@login_required
def document_download(request, uuid):
    document = selectors.document_get(request.user, uuid)
    audit_write(
        origin=_origin(request),
        action=Action.EXPORT,
        object_type="document",
        object_ref=str(document.uuid),
        organisation_code=document.organisation.code if document.organisation_id else "",
        detail={"kind": document.kind},
    )
    try:
        handle = document.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=document.original_name,
        content_type=document.content_type or "application/octet-stream",
    )
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- concerns: restricted to the pse-concerns group -----------------------------------------


@never_cache
@login_required
def concern_list(request):
    user = request.user
    if not selectors.user_in_concerns_group(user):
        raise Http404
    concerns = selectors.concerns_visible_to(user).select_related(
        "engagement__company", "engagement__organisation"
    )
    audit_write(
        origin=_origin(request),
        action=Action.LIST,
        object_type="concern",
        organisation_code=user.organisation.code if user.organisation_id else "",
        detail={"results": concerns.count()},
    )
    return render(request, "partnerships/concern_list.html", {"concerns": concerns})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def concern_create(request, uuid):
    if not selectors.user_in_concerns_group(request.user):
        raise Http404
    engagement = selectors.engagement_for_edit(request.user, uuid)
    form = f.ConcernForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            concern = services.concern_record(
                origin=_origin(request), engagement=engagement, **form.cleaned_data
            )
        except ValidationError as error:
            f.add_service_errors(form, error)
        else:
            messages.success(request, _("Concern recorded (restricted)."))
            return redirect("partnerships:concern_detail", uuid=concern.uuid)
    return _form_page(
        request,
        form,
        title=_("Record a concern (restricted)"),
        submit=_("Record"),
        back=_engagement_url(engagement),
        engagement=engagement,
        restricted=True,
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def concern_detail(request, uuid):
    user = request.user
    concern = selectors.concern_get(user, uuid)
    can_edit = selectors.engagements_editable_by(user).filter(pk=concern.engagement_id).exists()
    form = f.ConcernStepForm(request.POST or None) if can_edit else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            try:
                services.concern_step_add(
                    origin=_origin(request), concern=concern, **form.cleaned_data
                )
            except ValidationError as error:
                f.add_service_errors(form, error)
            else:
                messages.success(request, _("Step recorded."))
                return redirect("partnerships:concern_detail", uuid=concern.uuid)
    services.concern_view_record(origin=_origin(request), concern=concern)
    context = {
        "concern": concern,
        "steps": concern.steps.select_related("by"),
        "form": form if concern.status == ConcernStatus.OPEN else None,
    }
    return render(request, "partnerships/concern_detail.html", context)


# --- funding horizon and stakeholders -------------------------------------------------------


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def funding(request):
    user = _reader(request)
    projects = selectors.country_projects_visible_to(user).order_by("code")
    editable = selectors.country_projects_editable_by(user).order_by("code")
    form = None
    if editable.exists():
        form = f.FundingYearForm(request.POST or None, projects=editable)
        if request.method == "POST" and form.is_valid():
            try:
                services.funding_year_set(origin=_origin(request), **form.cleaned_data)
            except ValidationError as error:
                f.add_service_errors(form, error)
            else:
                messages.success(request, _("Funding horizon saved."))
                return redirect("partnerships:funding")
    elif request.method == "POST":
        raise Http404
    years = FundingYear.objects.filter(organisation__in=projects).select_related("organisation")
    funded = metrics.confirmed_through_by_project([p.pk for p in projects])
    ending = (
        metrics.with_partnership_end(selectors.engagements_visible_to(user))
        .filter(partnership_ends_on__isnull=False)
        .select_related("company", "organisation")
    )
    past = [
        e
        for e in ending
        if metrics.runs_past_funding(e.partnership_ends_on, funded.get(e.organisation_id))
    ]
    context = {
        "projects": [(p, funded.get(p.pk)) for p in projects],
        "years": years,
        "form": form,
        "past_funding": past,
    }
    return render(request, "partnerships/funding.html", context)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def stakeholders(request):
    user = _reader(request)
    access = selectors.partnership_access(user)
    form = None
    if access.can_edit:
        form = f.StakeholderForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.stakeholder_create(
                    origin=_origin(request), implementer=access.implementer, **form.cleaned_data
                )
            except ValidationError as error:
                f.add_service_errors(form, error)
            else:
                messages.success(request, _("Stakeholder added."))
                return redirect("partnerships:stakeholders")
    elif request.method == "POST":
        raise Http404
    listed = selectors.stakeholders_visible_to(user).annotate(
        engagements=Count(
            "links",
            filter=Q(links__engagement__in=selectors.engagements_visible_to(user)),
        )
    )
    partnerships = (
        selectors.engagements_visible_to(user)
        .filter(stage__in=PARTNERSHIP_STAGES)
        .select_related("company", "organisation")
        .prefetch_related("stakeholder_links__stakeholder")
    )
    kinds = [k for k in StakeholderKind.choices if k[0] != StakeholderKind.OTHER]
    gaps = []
    for engagement in partnerships:
        linked = {link.stakeholder.kind for link in engagement.stakeholder_links.all()}
        gaps.append((engagement, [(label, kind in linked) for kind, label in kinds]))
    context = {"stakeholders": listed, "form": form, "gaps": gaps, "kinds": kinds}
    return render(request, "partnerships/stakeholders.html", context)
