"""Pages of `evidence`: thin adapters over the selectors (scope, 404) and services (rules).

Studies are publications, not personal data: reads are not audited one by one; every write is.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from ctip.cases.models import Exploitation
from ctip.core.audit import Origin
from ctip.core.countries import COUNTRY_NAMES
from ctip.evidence import forms as f
from ctip.evidence import selectors, services
from ctip.evidence.criteria import ALL_CRITERIA, MMAT_DESIGNS, CriteriaError, criteria_for
from ctip.evidence.models import Answer, Design, Intervention, Outcome, Sector, Tool
from ctip.evidence.selectors import Quality

PAGE_SIZE = 25
LABELS = {
    "countries": COUNTRY_NAMES,
    "sectors": dict(Sector.choices),
    "exploitation": dict(Exploitation.choices),
    "interventions": dict(Intervention.choices),
    "outcomes": dict(Outcome.choices),
}


def _reader(request):
    if not selectors.library_access(request.user).can_read:
        raise Http404
    return request.user


def _labels(kind: str, codes: list[str]) -> list[str]:
    labels = LABELS[kind]
    return [str(labels.get(code, code)) for code in codes]


def _coded(study) -> dict:
    return {
        "countries": _labels("countries", study.country_list),
        "sectors": _labels("sectors", study.sector_list),
        "exploitation": _labels("exploitation", study.exploitation_list),
        "interventions": _labels("interventions", study.intervention_list),
        "outcomes": _labels("outcomes", study.outcome_list),
    }


# --- the library ------------------------------------------------------------------------------


@never_cache
@login_required
def study_list(request):
    user = _reader(request)
    visible = selectors.studies_visible_to(user)
    form = f.StudyFilterForm(request.GET or None, countries=selectors.countries_coded(visible))
    filters = form.cleaned_data if form.is_valid() else {}
    page = Paginator(selectors.study_list(user, filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    rows = [{"study": study, "coded": _coded(study)} for study in page.object_list]
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "query": query.urlencode(),
        "filtered": any(value not in (None, "") for value in filters.values()),
        "can_edit": selectors.library_access(user).can_edit,
        "quality_labels": Quality.LABELS,
    }
    return render(request, "evidence/study_list.html", context)


@never_cache
@login_required
def study_detail(request, uuid):
    user = _reader(request)
    study = selectors.study_get(user, uuid)
    appraisals = []
    for appraisal in selectors.appraisals_of(study):
        answers = list(appraisal.answers.all())
        appraisals.append(
            {
                "appraisal": appraisal,
                "answers": [
                    {"answer": a, "criterion": ALL_CRITERIA.get(a.criterion)} for a in answers
                ],
                "yes": sum(a.answer == Answer.YES for a in answers),
                "total": len(answers),
            }
        )
    quality = selectors.with_quality(type(study).objects.filter(pk=study.pk)).get().quality
    context = {
        "study": study,
        "coded": _coded(study),
        "appraisals": appraisals,
        "quality": quality,
        "quality_label": Quality.LABELS[quality],
        "can_edit": selectors.studies_editable_by(user).filter(pk=study.pk).exists(),
        "can_appraise": selectors.library_access(user).can_edit,
    }
    return render(request, "evidence/study_detail.html", context)


def _study_form_page(request, form, *, title, back):
    return render(
        request,
        "evidence/study_form.html",
        {"form": form, "title": title, "back": back},
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def study_create(request):
    user = request.user
    if not selectors.library_access(user).can_edit:
        raise Http404
    form = f.StudyForm(request.POST or None, owners=selectors.owners_for(user))
    if request.method == "POST" and form.is_valid():
        values = form.values()
        organisation = values.pop("organisation")
        try:
            study = services.study_create(
                origin=Origin.from_request(request), organisation=organisation, **values
            )
        except ValidationError as error:
            f.add_service_errors(form, error)
        else:
            messages.success(request, _("Study added to the library."))
            return redirect("evidence:study_detail", uuid=study.uuid)
    return _study_form_page(
        request, form, title=_("Add a study"), back=reverse("evidence:study_list")
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def study_edit(request, uuid):
    user = request.user
    study = selectors.study_for_edit(user, uuid)
    form = f.StudyForm(request.POST or None, owners=selectors.owners_for(user), study=study)
    if request.method == "POST" and form.is_valid():
        try:
            services.study_update(origin=Origin.from_request(request), study=study, **form.values())
        except ValidationError as error:
            f.add_service_errors(form, error)
        else:
            messages.success(request, _("Study saved."))
            return redirect("evidence:study_detail", uuid=study.uuid)
    back = reverse("evidence:study_detail", args=[study.uuid])
    return _study_form_page(request, form, title=_("Edit study"), back=back)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def appraisal_create(request, uuid):
    """Step one (GET without a tool): choose tool and design; step two: the criteria."""
    study = selectors.study_for_appraisal(request.user, uuid)
    back = reverse("evidence:study_detail", args=[study.uuid])
    params = request.POST if request.method == "POST" else request.GET
    default_tool = Tool.MMAT
    default_design = study.design if study.design in MMAT_DESIGNS else ""
    setup = f.AppraisalSetupForm(
        params if "tool" in params else None,
        initial={"tool": default_tool, "design": default_design},
    )
    context = {"study": study, "setup": setup, "back": back}
    if not setup.is_bound or not setup.is_valid():
        return render(request, "evidence/appraisal_setup.html", context)
    tool = setup.cleaned_data["tool"]
    design = setup.cleaned_data["design"] if tool == Tool.MMAT else Design.QUALITATIVE
    component = setup.cleaned_data["component"] if design == Design.MIXED else ""
    try:
        criteria = criteria_for(tool, design, component)
    except CriteriaError as exc:
        setup.add_error("design", str(exc))
        return render(request, "evidence/appraisal_setup.html", context)
    form = f.AppraisalForm(request.POST if request.method == "POST" else None, criteria=criteria)
    if request.method == "POST" and form.is_valid():
        try:
            services.appraisal_record(
                origin=Origin.from_request(request),
                study=study,
                tool=tool,
                design=design,
                quantitative_component=component,
                appraised_on=form.cleaned_data["appraised_on"],
                answers=form.answers(),
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Appraisal recorded."))
            return redirect(back)
    context.update(
        {
            "form": form,
            "tool": tool,
            "tool_label": dict(Tool.choices)[tool],
            "design": design,
            "design_label": f.DESIGN_LABELS.get(design, ""),
            "component": component,
            "component_label": f.DESIGN_LABELS.get(component, ""),
        }
    )
    return render(request, "evidence/appraisal_form.html", context)


# --- the evidence gap map ---------------------------------------------------------------------


def _shade(total: int) -> int:
    """The shading class of a cell: 0 (empty), 1, 2 (2–3), 3 (4–6), 4 (7 or more)."""
    if total <= 0:
        return 0
    if total == 1:
        return 1
    if total <= 3:
        return 2
    if total <= 6:
        return 3
    return 4


@never_cache
@login_required
def gap_map(request):
    user = _reader(request)
    visible = selectors.studies_visible_to(user)
    countries = selectors.countries_coded(visible)
    form = f.GapMapFilterForm(request.GET or None, countries=countries)
    filters = form.cleaned_data if form.is_valid() else {}
    view = filters.get("view") or "interventions"
    studies = visible
    carried = {}
    if filters.get("country"):
        studies = studies.filter(countries__contains=f";{filters['country']};")
        carried["country"] = filters["country"]
    if filters.get("design"):
        studies = studies.filter(design=filters["design"])
        carried["design"] = filters["design"]

    if view == "countries":
        row_field, row_param, column_field, column_param = (
            "countries",
            "country",
            "sectors",
            "sector",
        )
        row_codes = [filters["country"]] if filters.get("country") else countries
        rows = sorted(
            ((code, f"{COUNTRY_NAMES.get(code, code)} ({code})") for code in row_codes),
            key=lambda pair: pair[1],
        )
        columns = list(Sector.choices)
        carried.pop("country", None)
    else:
        row_field, row_param, column_field, column_param = (
            "interventions",
            "intervention",
            "outcomes",
            "outcome",
        )
        rows = list(Intervention.choices)
        columns = list(Outcome.choices)

    cells = selectors.gap_counts(
        studies,
        row_field=row_field,
        rows=[code for code, _label in rows],
        column_field=column_field,
        columns=[code for code, _label in columns],
    )
    row_totals = selectors.gap_totals(
        studies, field=row_field, codes=[code for code, _label in rows]
    )
    column_totals = selectors.gap_totals(
        studies, field=column_field, codes=[code for code, _label in columns]
    )
    list_url = reverse("evidence:study_list")
    matrix = []
    for code, label in rows:
        line = []
        for column_code, column_label in columns:
            cell = cells[(code, column_code)]
            params = {**carried, row_param: code, column_param: column_code}
            line.append(
                {
                    "total": cell.total,
                    "shade": _shade(cell.total),
                    "url": f"{list_url}?{urlencode(params)}",
                    "column_label": column_label,
                    "parts": [
                        {
                            "quality": quality,
                            "count": cell.counts[quality],
                            "label": Quality.LABELS[quality],
                            "url": f"{list_url}?{urlencode({**params, 'quality': quality})}",
                        }
                        for quality in Quality.ORDER
                        if cell.counts[quality]
                    ],
                }
            )
        matrix.append(
            {
                "code": code,
                "label": label,
                "cells": line,
                "total": row_totals[code],
                "url": f"{list_url}?{urlencode({**carried, row_param: code})}",
            }
        )
    empty = sum(1 for line in matrix for cell in line["cells"] if not cell["total"])
    context = {
        "form": form,
        "view": view,
        "rows": matrix,
        "columns": [
            {
                "code": code,
                "label": label,
                "total": column_totals[code],
                "url": f"{list_url}?{urlencode({**carried, column_param: code})}",
            }
            for code, label in columns
        ],
        "study_count": studies.count(),
        "empty_cells": empty,
        "cell_count": len(rows) * len(columns),
        "quality_rule": Quality.RULE,
        "quality_labels": [(q, Quality.LABELS[q]) for q in Quality.ORDER],
        "shades": [
            (1, "1"),
            (2, "2–3"),
            (3, "4–6"),
            (4, _("7 or more")),
        ],
        "can_edit": selectors.library_access(user).can_edit,
    }
    return render(request, "evidence/gap_map.html", context)
