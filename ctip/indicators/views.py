"""The indicators page and its downloads: thin adapters over the selectors and the engine.

Roles that may not read survivors' records (donor, PSE officer, system administrator) get the
suppressed version, as anything that leaves the programme; an organisation outside the user's
subtree is 404. Downloads are POSTs and write their audit entry (`services.report_export`).
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from ctip.core.audit import Origin
from ctip.indicators.cache import shared_queries
from ctip.indicators.display import report_view
from ctip.indicators.engine import ordered, report_build, trend_build
from ctip.indicators.forms import ReportForm
from ctip.indicators.selectors import (
    report_is_public_for,
    report_scope_get,
    review_codes_visible_to,
)
from ctip.indicators.services import report_export

TREND_PERIODS = 8


def _choices(request, data) -> tuple[ReportForm, object, object, bool]:
    """The form, the scope (404 outside the user's subtree), the period and whether the
    suppressed version is shown."""
    user = request.user
    form = ReportForm(data or None, user=user)
    period = form.default_period
    scope_code = (data.get("org") or "").strip() if data else ""
    public = report_is_public_for(user)
    if form.is_bound and form.is_valid():
        period = form.cleaned_data["period"]
        public = public or form.cleaned_data["public"]
    scope = report_scope_get(user, scope_code or None)
    return form, scope, period, public


@never_cache
@login_required
def indicators_page(request):
    form, scope, period, public = _choices(request, request.GET)
    with shared_queries():
        report = report_build(scope=scope, period=period, public=public)
        periods = period.last(TREND_PERIODS)
        trends = {
            indicator.code: trend_build(indicator, scope, periods, public=public)
            for indicator in ordered()
        }
    review = next(
        (item.get("review", []) for item in report["indicators"] if item["code"] == "SRV-3"), []
    )
    linkable = review_codes_visible_to(request.user, [entry["code"] for entry in review])
    context = {
        "form": form,
        "scope": scope,
        "period": period,
        "public": public,
        "forced_public": report_is_public_for(request.user),
        "groups": report_view(report, trends),
        "linkable": linkable,
        "generated_at": report["generated_at"],
    }
    partial = request.htmx and not request.htmx.history_restore_request
    template = "indicators/_report.html" if partial else "indicators/page.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_POST
def indicators_export(request):
    """The page's report as CSV or XLSX (audited), with the same suppression as the page."""
    fmt = request.POST.get("format", "")
    if fmt not in ("csv", "xlsx"):
        raise Http404
    _form, scope, period, public = _choices(request, request.POST)
    export = report_export(
        origin=Origin.from_request(request), scope=scope, period=period, public=public, fmt=fmt
    )
    response = HttpResponse(export.content, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response["Cache-Control"] = "no-store"
    return response
