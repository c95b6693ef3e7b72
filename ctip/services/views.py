"""Pages of `services`: the case plan, episodes, referrals (both sides), transfers, the provider
directory and the livelihood grants. Thin adapters: parse, call a selector or service, render.

Survivor pages start from `survivor_get` (out of scope is 404) and audit the read like the
survivor page; forms that write are for PII roles only (404 for everyone else).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ctip.cases.forms import add_service_errors
from ctip.cases.models import Survivor
from ctip.cases.selectors import survivor_get
from ctip.cases.services import survivor_view_record
from ctip.core.audit import Action, Origin, audit_write
from ctip.core.models import OrganisationKind
from ctip.core.selectors import user_can_read_pii, user_can_read_records
from ctip.services import selectors
from ctip.services.forms import (
    LIVELIHOOD_FORMS,
    EpisodeCloseForm,
    EpisodeForm,
    ProviderFilterForm,
    ReferralFilterForm,
    ReferralForm,
    ReferralStatusForm,
    StandardGrantForm,
    TransferDeclineForm,
    TransferForm,
    initial_yes_no,
)
from ctip.services.models import EpisodeStatus, ReferralStatus, ServiceType, TransferStatus
from ctip.services.services import (
    LIVELIHOOD_MODELS,
    RECEIVER,
    SENDER,
    episode_close,
    episode_record,
    episode_update,
    livelihood_record,
    referral_send,
    referral_set_status,
    service_settings_set,
    transfer_accept,
    transfer_cancel,
    transfer_decline,
    transfer_request,
    user_may_answer_transfer,
)

PAGE_SIZE = 25


def _pii_editor(request):
    if not user_can_read_pii(request.user):
        raise Http404
    return request.user


def _editable_survivor(request, code) -> Survivor:
    return survivor_get(_pii_editor(request), code)


def _plan_url(survivor) -> str:
    from django.urls import reverse

    return reverse("services:case_plan", args=[survivor.code])


def _render_form(request, survivor, form, title, submit, **extra):
    selected = form["service_type"].value() if "service_type" in form.fields else None
    context = {
        "survivor": survivor,
        "form": form,
        "title": title,
        "submit": submit,
        "selected_type": ServiceType.objects.filter(pk=selected).first()
        if str(selected or "").isdigit()
        else None,
        **extra,
    }
    return render(request, "services/plan_form.html", context)


# --- the case plan ----------------------------------------------------------------------------


@never_cache
@login_required
def case_plan(request, code):
    survivor = survivor_get(request.user, code)
    survivor_view_record(origin=Origin.from_request(request), survivor=survivor)
    can_edit = user_can_read_pii(request.user)
    plan = selectors.case_plan(survivor, with_notes=can_edit)
    return render(
        request,
        "services/case_plan.html",
        {"survivor": survivor, "plan": plan, "can_edit": can_edit},
    )


@require_GET
@login_required
def type_help(request):
    """htmx: what one episode of the chosen type is (the catalogue's help text)."""
    code = request.GET.get("service_type", "")
    service_type = ServiceType.objects.filter(pk=code).first() if code.isdigit() else None
    return render(request, "services/_type_help.html", {"service_type": service_type})


# --- episodes ---------------------------------------------------------------------------------


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def episode_create(request, code):
    survivor = _editable_survivor(request, code)
    initial = {}
    need_uuid = request.GET.get("need")
    if need_uuid:
        initial["need"] = survivor.needs.filter(uuid=need_uuid).values_list("pk", flat=True).first()
    form = EpisodeForm(request.POST or None, survivor=survivor, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            episode_record(
                origin=Origin.from_request(request), survivor=survivor, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Episode recorded."))
            return redirect(_plan_url(survivor))
    return _render_form(
        request,
        survivor,
        form,
        _("Record a service episode"),
        _("Save episode"),
        service_types=ServiceType.objects.filter(active=True),
    )


def _episode(request, code, uuid):
    episode = selectors.episode_get(_pii_editor(request), uuid)
    if episode.survivor.code != code.upper():
        raise Http404
    return episode


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def episode_edit(request, code, uuid):
    episode = _episode(request, code, uuid)
    survivor = episode.survivor
    origin = Origin.from_request(request)
    initial = {
        "service_type": episode.service_type_id,
        "need": episode.need_id,
        "provider": episode.provider_id,
        "started_on": episode.started_on,
        "sessions": episode.sessions,
        "notes": episode.notes,
    }
    form = EpisodeForm(request.POST or None, survivor=survivor, initial=initial, creating=False)
    if not episode.service_type.active:
        # A retired type stays on its old episodes; it just cannot be chosen anew.
        form.fields["service_type"].queryset = ServiceType.objects.filter(
            pk__in=[episode.service_type_id, *selectors.active_service_types().values("pk")]
        )
    if request.method == "GET":
        survivor_view_record(origin=origin, survivor=survivor)
    if request.method == "POST" and form.is_valid():
        try:
            changed = episode_update(origin=origin, episode=episode, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if changed:
                messages.success(request, _("Episode saved."))
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect(_plan_url(survivor))
    return _render_form(
        request,
        survivor,
        form,
        _("Change the episode"),
        _("Save episode"),
        service_types=ServiceType.objects.filter(active=True),
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def episode_close_view(request, code, uuid):
    episode = _episode(request, code, uuid)
    survivor = episode.survivor
    if episode.status != EpisodeStatus.ONGOING:
        messages.info(request, _("This episode is already closed."))
        return redirect(_plan_url(survivor))
    form = EpisodeCloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            episode_close(origin=Origin.from_request(request), episode=episode, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Episode closed."))
            return redirect(_plan_url(survivor))
    title = _("Close: %(type)s with %(provider)s") % {
        "type": episode.service_type.name,
        "provider": episode.provider.name,
    }
    return _render_form(request, survivor, form, title, _("Close the episode"))


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def episode_livelihood(request, code, uuid):
    episode = _episode(request, code, uuid)
    survivor = episode.survivor
    kind = episode.service_type.code
    if kind not in LIVELIHOOD_FORMS:
        raise Http404
    instance = LIVELIHOOD_MODELS[kind].objects.filter(episode=episode).first()
    form_class = LIVELIHOOD_FORMS[kind]
    form = form_class(
        request.POST or None,
        instance=instance,
        initial=initial_yes_no(instance) if instance else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            livelihood_record(
                origin=Origin.from_request(request), episode=episode, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Livelihood details saved."))
            return redirect(_plan_url(survivor))
    title = _("%(type)s: details") % {"type": episode.service_type.name}
    return _render_form(request, survivor, form, title, _("Save details"))


# --- referrals --------------------------------------------------------------------------------


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def referral_create(request, code):
    survivor = _editable_survivor(request, code)
    initial = {}
    need_uuid = request.GET.get("need")
    if need_uuid:
        initial["need"] = survivor.needs.filter(uuid=need_uuid).values_list("pk", flat=True).first()
    form = ReferralForm(request.POST or None, survivor=survivor, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            referral_send(
                origin=Origin.from_request(request), survivor=survivor, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Referral sent."))
            return redirect(_plan_url(survivor))
    from ctip.cases.selectors import consent_is_given

    return _render_form(
        request,
        survivor,
        form,
        _("Refer to a provider"),
        _("Send referral"),
        service_types=ServiceType.objects.filter(active=True),
        no_consent=not consent_is_given(survivor, "referral"),
    )


def _referral_filters(form: ReferralFilterForm) -> selectors.ReferralFilters:
    if not form.is_bound or not form.is_valid():
        return selectors.ReferralFilters()
    return selectors.ReferralFilters(**form.cleaned_data)


@never_cache
@login_required
def referral_list(request):
    """Referrals sent (the 14-day worklist) and, for providers, received."""
    user = request.user
    may_send = user_can_read_records(user)
    may_receive = selectors.user_receives_referrals(user)
    if not (may_send or may_receive):
        raise Http404
    provider_only = user.organisation.kind == OrganisationKind.PROVIDER
    default = "received" if may_receive and (provider_only or not may_send) else "sent"
    tab = request.GET.get("tab") or default
    if (tab == "sent" and not may_send) or (tab == "received" and not may_receive):
        raise Http404
    if tab not in ("sent", "received"):
        raise Http404
    base = (
        selectors.referrals_sent_visible_to(user)
        if tab == "sent"
        else selectors.referrals_received_by(user)
    )
    form = ReferralFilterForm(request.GET or None)
    filters = _referral_filters(form)
    queryset = selectors.referral_list(base, filters).order_by("-sent_on", "-id")
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    audit_write(
        origin=Origin.from_request(request),
        action=Action.LIST,
        object_type="referral",
        organisation_code=user.organisation.code,
        detail={"tab": tab, "count": page.paginator.count},
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "tab": tab,
        "may_send": may_send,
        "may_receive": may_receive,
        "query": query.urlencode(),
        "cutoff": selectors.unanswered_cutoff(),
        "unanswered": selectors.referrals_unanswered(base).count(),
        "pending_transfers": selectors.transfers_incoming(user)
        .filter(status=TransferStatus.PENDING)
        .count(),
    }
    partial = request.htmx and not request.htmx.history_restore_request
    template = "services/_referral_results.html" if partial else "services/referral_list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def referral_detail(request, uuid):
    """One referral, from the side the user stands on; the status form answers it."""
    user = request.user
    referral = selectors.referral_get(user, uuid)
    side = selectors.referral_side(user, referral)
    origin = Origin.from_request(request)
    may_answer = user_can_read_pii(user)
    form = ReferralStatusForm(request.POST or None, referral=referral, side=side)
    if request.method == "POST":
        if not may_answer:
            raise Http404
        if form.is_valid():
            try:
                referral_set_status(
                    origin=origin,
                    referral=referral,
                    side=side,
                    organisation=user.organisation,
                    **form.cleaned_data,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Referral updated."))
                return redirect("services:referral_detail", uuid=referral.uuid)
    show_identity = side == RECEIVER and selectors.receiver_may_see_identity(referral)
    if side == SENDER:
        survivor_view_record(origin=origin, survivor=referral.survivor)
    else:
        audit_write(
            origin=origin,
            action=Action.VIEW,
            object_type="survivor",
            object_ref=referral.survivor.code,
            organisation_code=user.organisation.code,
            detail={"referral": str(referral.uuid), "side": RECEIVER, "identity": show_identity},
        )
    return render(
        request,
        "services/referral_detail.html",
        {
            "referral": referral,
            "side": side,
            "events": referral.events.select_related("by", "by_organisation"),
            "form": form if may_answer and form.fields["status"].choices[1:] else None,
            "show_identity": show_identity,
            "show_note": may_answer and (side == SENDER or show_identity),
            "answered": referral.status != ReferralStatus.SENT,
            "frameworks": selectors.frameworks_for_referral(referral),
        },
    )


# --- transfers --------------------------------------------------------------------------------


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def transfer_create(request, code):
    survivor = _editable_survivor(request, code)
    pending = selectors.transfer_pending_for(survivor)
    if pending is not None:
        messages.info(request, _("A transfer of this case is already waiting for an answer."))
        return redirect(_plan_url(survivor))
    form = TransferForm(request.POST or None, survivor=survivor)
    if request.method == "POST" and form.is_valid():
        try:
            transfer_request(
                origin=Origin.from_request(request), survivor=survivor, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("Transfer requested: the receiving organisation must accept it.")
            )
            return redirect(_plan_url(survivor))
    from ctip.cases.selectors import consent_is_given

    return _render_form(
        request,
        survivor,
        form,
        _("Transfer the case"),
        _("Ask to transfer"),
        no_sharing_consent=not consent_is_given(survivor, "data_sharing"),
        transfer_note=True,
    )


@never_cache
@login_required
def transfer_list(request):
    user = _pii_editor(request)
    incoming = selectors.transfers_incoming(user).select_related(
        "survivor", "from_organisation", "to_organisation", "requested_by"
    )
    outgoing = selectors.transfers_outgoing(user).select_related(
        "survivor", "from_organisation", "to_organisation", "requested_by"
    )
    pii = [f"survivor__{c}" for c in ("given_name", "family_name", "phone", "address", "notes")]
    incoming, outgoing = list(incoming.defer(*pii)[:100]), list(outgoing.defer(*pii)[:100])
    audit_write(
        origin=Origin.from_request(request),
        action=Action.LIST,
        object_type="case_transfer",
        organisation_code=user.organisation.code,
        detail={"incoming": len(incoming), "outgoing": len(outgoing)},
    )
    return render(
        request,
        "services/transfer_list.html",
        {"incoming": incoming, "outgoing": outgoing, "decline_form": TransferDeclineForm()},
    )


def _incoming_transfer(request, pk):
    user = _pii_editor(request)
    transfer = selectors.transfer_get(user, pk)
    if not user_may_answer_transfer(user, transfer):
        raise Http404
    return transfer


@login_required
@require_POST
def transfer_accept_view(request, pk):
    transfer = _incoming_transfer(request, pk)
    try:
        transfer_accept(origin=Origin.from_request(request), transfer=transfer)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("services:transfer_list")
    messages.success(
        request,
        _("Case %(code)s accepted: assign its case worker.") % {"code": transfer.survivor.code},
    )
    return redirect("cases:survivor_edit", code=transfer.survivor.code)


@login_required
@require_POST
def transfer_decline_view(request, pk):
    transfer = _incoming_transfer(request, pk)
    form = TransferDeclineForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the transfer is declined."))
        return redirect("services:transfer_list")
    try:
        transfer_decline(
            origin=Origin.from_request(request), transfer=transfer, **form.cleaned_data
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Transfer declined."))
    return redirect("services:transfer_list")


@login_required
@require_POST
def transfer_cancel_view(request, pk):
    user = _pii_editor(request)
    transfer = selectors.transfer_get(user, pk)
    survivor = survivor_get(user, transfer.survivor.code)  # the sender still holds the case
    try:
        transfer_cancel(origin=Origin.from_request(request), transfer=transfer)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Transfer cancelled."))
    return redirect(_plan_url(survivor))


# --- the provider directory -------------------------------------------------------------------


def _provider_filters(form: ProviderFilterForm) -> selectors.ProviderFilters:
    if not form.is_bound or not form.is_valid():
        return selectors.ProviderFilters()
    return selectors.ProviderFilters(**form.cleaned_data)


@login_required
def provider_list(request):
    """Who offers this service here: one page, filters refreshed by htmx."""
    user = request.user
    if user.organisation_id is None:
        raise Http404
    areas = selectors.area_choices(user)
    form = ProviderFilterForm(request.GET or None, countries=areas["countries"])
    filters = _provider_filters(form)
    providers = list(selectors.provider_search(user, filters))
    context = {
        "form": form,
        "providers": providers,
        "areas": areas,
        "filters": filters,
        "filtered": any(vars(filters).values()),
    }
    partial = request.htmx and not request.htmx.history_restore_request
    template = "services/_provider_results.html" if partial else "services/provider_list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
def provider_detail(request, code):
    user = request.user
    profile = selectors.provider_get(user, code)
    return render(request, "services/provider_detail.html", {"profile": profile})


# --- livelihood -------------------------------------------------------------------------------


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def livelihood(request):
    """The standard grant per country project, and the grants that differ from it."""
    user = request.user
    projects = selectors.projects_managed_by(user)
    may_read = user_can_read_records(user)
    may_manage = projects.exists()
    if not (may_read or may_manage):
        raise Http404
    form = StandardGrantForm(request.POST or None, projects=projects) if may_manage else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                service_settings_set(origin=Origin.from_request(request), **data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Standard grant saved."))
                return redirect("services:livelihood")
    grants = []
    if may_read:
        page = Paginator(selectors.grants_differing(user), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        grants = page
        audit_write(
            origin=Origin.from_request(request),
            action=Action.LIST,
            object_type="business_support",
            organisation_code=user.organisation.code if user.organisation else "",
            detail={"differing_grants": page.paginator.count},
        )
    standards = selectors.standards_for(user.organisation) if user.organisation_id else []
    return render(
        request,
        "services/livelihood.html",
        {"form": form, "grants": grants, "may_read": may_read, "standards": standards},
    )
