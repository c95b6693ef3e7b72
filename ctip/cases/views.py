"""Pages of `cases`: thin adapters that parse input, call a selector or service, and render.

Every survivor page starts from `survivor_get` (out of scope is 404), every record read writes
its audit entry, and forms that write are for PII roles only (404 for everyone else).
"""

import csv
import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import push_url

from ctip.cases import selectors
from ctip.cases.forms import (
    CloseCaseForm,
    ConsentForm,
    InterestForm,
    NeedForm,
    NeedStatusForm,
    SurvivorFilterForm,
    SurvivorForm,
    add_service_errors,
)
from ctip.cases.models import (
    CaseEventType,
    CaseStatus,
    ClosedReason,
    ConsentPurpose,
    LivelihoodInterest,
    NeedCategory,
    NeedStatus,
    Survivor,
)
from ctip.cases.selectors import (
    PII_COLUMNS,
    SurvivorFilters,
    caseload_summary,
    consents_in_force,
    need_get,
    possible_duplicates,
    survivor_aggregates,
    survivor_get,
)
from ctip.cases.services import (
    case_close,
    case_reopen,
    consent_record,
    interest_state,
    need_assess,
    need_update,
    survivor_register,
    survivor_update,
    survivor_view_record,
)
from ctip.core.audit import Action, Origin, audit_write
from ctip.core.models import Role
from ctip.core.selectors import user_can_read_pii, user_can_read_records

PAGE_SIZE = 25
EXPORT_COLUMNS = (
    "code",
    "sex",
    "birth_year",
    "nationality",
    "exploitation",
    "organisation",
    "opened_on",
    "status",
)
AGGREGATE_ROLES = {Role.DONOR, Role.PSE_OFFICER}


def _is_sysadmin(user) -> bool:
    return user.is_superuser or user.role == Role.SYSADMIN


@login_required
def home(request):
    user = request.user
    context = {"view": "empty"}
    if user_can_read_records(user):
        context = {
            "view": "caseload",
            "summary": caseload_summary(user),
            "has_own_cases": user.role in (Role.CASE_WORKER, Role.CASE_SUPERVISOR),
        }
    elif _is_sysadmin(user):
        context = {"view": "sysadmin"}
    elif user.role in AGGREGATE_ROLES:
        context = {"view": "aggregates", "aggregates": survivor_aggregates(user)}
    return render(request, "cases/home.html", context)


# --- the list ----------------------------------------------------------------------------------


def search_kind(q: str) -> str:
    """What kind of term was searched for: the audit keeps this, never the term itself."""
    text = q.strip()
    if selectors.CODE_PREFIX_PATTERN.match(text.upper()):
        return "code"
    if re.fullmatch(r"[\d\s+().-]+", text):
        return "phone"
    return "name"


def _filters(form: SurvivorFilterForm) -> SurvivorFilters:
    if not form.is_bound or not form.is_valid():
        return SurvivorFilters()
    data = form.cleaned_data
    return SurvivorFilters(
        q=data["q"].strip(),
        status=data["status"],
        sex=data["sex"],
        exploitation=data["exploitation"],
        organisation=data["organisation"],
        case_worker="me" if data["mine"] else "",
    )


def _records_reader(request):
    if not user_can_read_records(request.user):
        raise Http404
    return request.user


@never_cache
@login_required
def survivor_list(request):
    user = _records_reader(request)
    can_read_pii = user_can_read_pii(user)
    form = SurvivorFilterForm(request.GET or None, user=user, can_read_pii=can_read_pii)
    filters = _filters(form)
    page = Paginator(selectors.survivor_list(user, filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    if filters.q:
        audit_write(
            origin=Origin.from_request(request),
            action=Action.SEARCH,
            object_type="survivor",
            organisation_code=user.organisation.code,
            detail={"kind": search_kind(filters.q), "results": page.paginator.count},
        )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "filters_export": [(name, value) for name, values in query.lists() for value in values],
        "filters": filters,
        "filtered": any(v for v in vars(filters).values()),
    }
    partial = request.htmx and not request.htmx.history_restore_request
    template = "cases/_survivor_results.html" if partial else "cases/survivor_list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    if partial and filters.q and search_kind(filters.q) != "code":
        # A name or phone number must not land in the browser's history.
        query.pop("q", None)
        push_url(response, f"{reverse('cases:survivor_list')}?{query.urlencode()}")
    return response


@login_required
@require_POST
def survivor_export(request):
    """The filtered list, de-identified, as CSV (POST, so search terms stay out of URLs)."""
    user = _records_reader(request)
    form = SurvivorFilterForm(request.POST, user=user, can_read_pii=user_can_read_pii(user))
    filters = _filters(form)
    rows = selectors.survivor_list(user, filters).values_list(
        "code",
        "sex",
        "birth_year",
        "nationality",
        "exploitation",
        "organisation__code",
        "opened_on",
        "status",
    )
    today = timezone.localdate()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="survivors-{today:%Y-%m-%d}.csv"'
    response["Cache-Control"] = "no-store"
    writer = csv.writer(response)
    writer.writerow(EXPORT_COLUMNS)
    count = 0
    for code, sex, year, nationality, exploitation, org, opened, status in rows.iterator():
        forms = ";".join(e for e in exploitation.split(";") if e)
        writer.writerow([code, sex, year or "", nationality, forms, org, opened, status])
        count += 1
    detail = {
        "format": "csv",
        "rows": count,
        "filters": {k: v for k, v in vars(filters).items() if v and k != "q"},
    }
    if filters.q:
        detail["search"] = search_kind(filters.q)
    audit_write(
        origin=Origin.from_request(request),
        action=Action.EXPORT,
        object_type="survivor",
        organisation_code=user.organisation.code,
        detail=detail,
    )
    return response


# --- the survivor page ---------------------------------------------------------------------


def _field_label(name: str) -> str:
    try:
        return str(Survivor._meta.get_field(name).verbose_name)
    except Exception:  # noqa: BLE001 - an old event may name a field that no longer exists
        return name


def describe_event(event, needs_by_uuid: dict) -> str:
    """One line of history, from the event's type and its (PII-free) data."""
    data = event.data or {}
    purposes = dict(ConsentPurpose.choices)
    if event.type == CaseEventType.REGISTERED:
        return _("Registered")
    if event.type == CaseEventType.PROFILE_CHANGED:
        fields = ", ".join(_field_label(name) for name in data.get("fields", []))
        return _("Profile changed: %(fields)s") % {"fields": fields}
    if event.type == CaseEventType.CONSENT_RECORDED:
        purpose = purposes.get(data.get("purpose"), data.get("purpose", ""))
        if data.get("given"):
            return _("Consent given: %(purpose)s") % {"purpose": purpose}
        return _("Consent withdrawn: %(purpose)s") % {"purpose": purpose}
    if event.type == CaseEventType.NEED_ASSESSED:
        category = dict(NeedCategory.choices).get(data.get("category"), "")
        return _("Need assessed: %(need)s") % {"need": category}
    if event.type == CaseEventType.NEED_STATUS_CHANGED:
        need = needs_by_uuid.get(data.get("need"))
        category = need.get_category_display() if need else ""
        status = dict(NeedStatus.choices).get(data.get("status"), "")
        return _("Need %(need)s now: %(status)s") % {"need": category, "status": status}
    if event.type == CaseEventType.INTEREST_STATED:
        interest = dict(LivelihoodInterest.choices).get(data.get("interest"), "")
        return _("Interest stated: %(interest)s") % {"interest": interest}
    if event.type == CaseEventType.CASE_WORKER_ASSIGNED:
        return _("Case worker assigned")
    if event.type == CaseEventType.CLOSED:
        reason = dict(ClosedReason.choices).get(data.get("reason"), "")
        return _("Case closed: %(reason)s") % {"reason": reason}
    if event.type == CaseEventType.REOPENED:
        return _("Case reopened")
    if event.type == CaseEventType.PII_ERASED:
        return _("Personal data erased")
    if event.type == CaseEventType.IMPORTED:
        return _("Imported")
    return str(SIMPLE_EVENT_LABELS.get(event.type, event.type))


# Events recorded by other apps (services) that need no detail here; the case plan has it.
SIMPLE_EVENT_LABELS = {
    CaseEventType.EPISODE_RECORDED: gettext_lazy("Service recorded"),
    CaseEventType.EPISODE_CHANGED: gettext_lazy("Service changed"),
    CaseEventType.EPISODE_CLOSED: gettext_lazy("Service ended"),
    CaseEventType.LIVELIHOOD_RECORDED: gettext_lazy("Livelihood support recorded"),
    CaseEventType.REFERRAL_SENT: gettext_lazy("Referral sent"),
    CaseEventType.REFERRAL_STATUS_CHANGED: gettext_lazy("Referral status changed"),
    CaseEventType.TRANSFER_REQUESTED: gettext_lazy("Transfer to another organisation requested"),
    CaseEventType.TRANSFER_ACCEPTED: gettext_lazy("Case transferred"),
    CaseEventType.TRANSFER_DECLINED: gettext_lazy("Transfer declined"),
    CaseEventType.TRANSFER_CANCELLED: gettext_lazy("Transfer cancelled"),
}


def _detail_context(request, survivor: Survivor) -> dict:
    can_read_pii = user_can_read_pii(request.user)
    consents = survivor.consents.select_related("recorded_by")
    needs = survivor.needs.all()
    interests = survivor.interests.all()
    if not can_read_pii:
        consents, needs, interests = (
            consents.defer("note"),
            needs.defer("notes"),
            interests.defer("detail"),
        )
    needs = list(needs)
    in_force = consents_in_force(survivor)
    needs_by_uuid = {str(need.uuid): need for need in needs}
    events = list(survivor.events.select_related("by")[:100])
    return {
        "survivor": survivor,
        "can_edit": can_read_pii,
        "consent_rows": [
            (label, in_force.get(purpose)) for purpose, label in ConsentPurpose.choices
        ],
        "consents": list(consents),
        "needs": needs,
        "need_status_choices": NeedStatus.choices,
        "interests": list(interests),
        "history": [(event, describe_event(event, needs_by_uuid)) for event in events],
    }


@never_cache
@login_required
def survivor_detail(request, code):
    survivor = survivor_get(request.user, code)
    survivor_view_record(origin=Origin.from_request(request), survivor=survivor)
    return render(request, "cases/survivor_detail.html", _detail_context(request, survivor))


# --- forms that write (PII roles only) -------------------------------------------------------


def _pii_editor(request):
    if not user_can_read_pii(request.user):
        raise Http404
    return request.user


def _editable_survivor(request, code) -> Survivor:
    return survivor_get(_pii_editor(request), code)


def _render_form(request, survivor, form, title, submit, **extra):
    context = {"survivor": survivor, "form": form, "title": title, "submit": submit, **extra}
    return render(request, "cases/survivor_action_form.html", context)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def survivor_create(request):
    user = _pii_editor(request)
    initial = {}
    if user.role in (Role.CASE_WORKER, Role.CASE_SUPERVISOR):
        initial["case_worker"] = user.pk
        initial["organisation"] = user.organisation_id
    form = SurvivorForm(request.POST or None, user=user, initial=initial)
    duplicates = []
    if request.method == "POST" and form.is_valid():
        data = form.profile()
        if not form.cleaned_data["register_anyway"]:
            duplicates = list(
                possible_duplicates(
                    user,
                    given_name=data["given_name"],
                    family_name=data["family_name"],
                    birth_year=data["birth_year"],
                    phone=data["phone"],
                )
                .select_related("organisation")
                .defer(*PII_COLUMNS)[:10]
            )
        if not duplicates:
            try:
                survivor = survivor_register(origin=Origin.from_request(request), **data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request, _("Survivor registered as %(code)s.") % {"code": survivor.code}
                )
                return redirect("cases:survivor_detail", code=survivor.code)
    return render(request, "cases/survivor_form.html", {"form": form, "duplicates": duplicates})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def survivor_edit(request, code):
    survivor = _editable_survivor(request, code)
    origin = Origin.from_request(request)
    initial = {
        name: getattr(survivor, name)
        for name in (
            "given_name",
            "family_name",
            "phone",
            "sex",
            "birth_year",
            "nationality",
            "identified_on",
            "address",
            "notes",
        )
    }
    initial |= {
        "exploitation": survivor.exploitation_list,
        "case_worker": survivor.case_worker_id,
        "identifying_agency": survivor.identifying_agency_id,
    }
    form = SurvivorForm(request.POST or None, user=request.user, survivor=survivor, initial=initial)
    if request.method == "GET":
        survivor_view_record(origin=origin, survivor=survivor)
    if request.method == "POST" and form.is_valid():
        try:
            changed = survivor_update(origin=origin, survivor=survivor, **form.profile())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if changed:
                messages.success(request, _("Profile saved."))
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect("cases:survivor_detail", code=survivor.code)
    return render(request, "cases/survivor_form.html", {"form": form, "survivor": survivor})


def _action_view(request, code, form_class, write, title, submit, success):
    """GET shows the form; POST calls the service; its field errors land on the form."""
    survivor = _editable_survivor(request, code)
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            write(Origin.from_request(request), survivor, form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, success)
            return redirect("cases:survivor_detail", code=survivor.code)
    return _render_form(request, survivor, form, title, submit)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def consent_create(request, code):
    def write(origin, survivor, data):
        consent_record(origin=origin, survivor=survivor, **data)

    return _action_view(
        request,
        code,
        ConsentForm,
        write,
        _("Record consent"),
        _("Record consent"),
        _("Consent recorded."),
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def need_create(request, code):
    def write(origin, survivor, data):
        need_assess(origin=origin, survivor=survivor, **data)

    return _action_view(
        request,
        code,
        NeedForm,
        write,
        _("Assess a need"),
        _("Save need"),
        _("Need recorded."),
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def interest_create(request, code):
    def write(origin, survivor, data):
        interest_state(origin=origin, survivor=survivor, **data)

    return _action_view(
        request,
        code,
        InterestForm,
        write,
        _("Livelihood interest"),
        _("Save interest"),
        _("Interest recorded."),
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def survivor_close(request, code):
    survivor = _editable_survivor(request, code)
    if survivor.status == CaseStatus.CLOSED:
        messages.info(request, _("This case is already closed."))
        return redirect("cases:survivor_detail", code=survivor.code)

    def write(origin, survivor, data):
        case_close(origin=origin, survivor=survivor, **data)

    return _action_view(
        request,
        code,
        CloseCaseForm,
        write,
        _("Close the case"),
        _("Close the case"),
        _("Case closed."),
    )


@login_required
@require_POST
def survivor_reopen(request, code):
    survivor = _editable_survivor(request, code)
    if survivor.status == CaseStatus.CLOSED:
        case_reopen(origin=Origin.from_request(request), survivor=survivor)
        messages.success(request, _("Case reopened."))
    return redirect("cases:survivor_detail", code=survivor.code)


@never_cache
@login_required
@require_POST
def need_status(request, code, need):
    """Change a need's status; htmx gets the row back, a plain form goes back to the page."""
    user = _pii_editor(request)
    need_obj = need_get(user, need)
    if need_obj.survivor.code != code.upper():
        raise Http404
    form = NeedStatusForm(request.POST)
    saved = False
    if form.is_valid():
        saved = bool(
            need_update(
                origin=Origin.from_request(request),
                need=need_obj,
                status=form.cleaned_data["status"],
            )
        )
    if request.htmx:
        return render(
            request,
            "cases/_need_row.html",
            {
                "need": need_obj,
                "survivor": need_obj.survivor,
                "can_edit": True,
                "need_status_choices": NeedStatus.choices,
                "saved": saved,
            },
        )
    if saved:
        messages.success(request, _("Need updated."))
    return redirect("cases:survivor_detail", code=need_obj.survivor.code)
