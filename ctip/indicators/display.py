"""How a report looks on the page: values as text, breakdowns as rows and bar charts, trends as
lines. Presentation only; every number comes from `engine.report_build`."""

from dataclasses import dataclass, field
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from ctip.core.charts import bar_chart, line_chart
from ctip.indicators.dimensions import Labels, breakdown_label
from ctip.indicators.registry import REGISTRY, group_label, group_order

DASH = "–"


def show(value: Any, unit: str = "") -> str:
    """A value for reading: suppressed markers as they are, None as a dash, % glued on."""
    if value is None:
        return DASH
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        text = number_format(round(value, 1), decimal_pos=1, use_l10n=True)
        if text.endswith(".0") or text.endswith(",0"):
            text = text[:-2] if unit != "%" else text
    else:
        text = number_format(value, use_l10n=True, force_grouping=True)
    return f"{text}%" if unit == "%" else text


@dataclass
class Row:
    key: str
    label: str
    value: str
    numerator: str = ""
    denominator: str = ""
    extra: dict = field(default_factory=dict)


@dataclass
class Breakdown:
    name: str
    label: str
    rows: list[Row]
    chart: str
    has_ratio: bool


@dataclass
class IndicatorView:
    code: str
    name: str
    unit: str
    group: str
    value: str
    numerator: str
    denominator: str
    definition: str
    help: str
    detail: list[tuple[str, str]]
    breakdowns: list[Breakdown]
    trend: str = ""
    review: list[dict] = field(default_factory=list)
    note: str = ""


DETAIL_LABELS = {
    "median": lambda: _("median"),
    "p90": lambda: _("90th percentile"),
    "p99": lambda: _("99th percentile"),
    "max": lambda: _("maximum"),
    "capacity": lambda: _("capacity of this organisation"),
    "over_capacity": lambda: _("organisations above capacity"),
    "unassigned": lambda: _("open cases with no case worker"),
}


def _detail(item: dict) -> list[tuple[str, str]]:
    shown = []
    for key, value in (item.get("detail") or {}).items():
        label = DETAIL_LABELS[key]() if key in DETAIL_LABELS else key.replace("_", " ")
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value) or DASH
        shown.append((label, show(value)))
    return shown


def _note(item: dict) -> str:
    """Why there is no value: hidden because it rests on small numbers, or nothing to count."""
    if item["value"] is not None:
        return ""
    if any(isinstance(item.get(key), str) for key in ("numerator", "denominator")):
        return _("Not shown: it rests on fewer than 5.")
    return _("Nothing to count in this period.")


def breakdown_view(item: dict, name: str, cells: dict, labels: Labels) -> Breakdown:
    unit = item["unit"]
    rows, bars = [], []
    has_ratio = any(isinstance(v, dict) for v in cells.values())
    for key, value in cells.items():
        label = labels.cell(name, key)
        if isinstance(value, dict):
            extra = {
                k: v for k, v in value.items() if k not in ("value", "numerator", "denominator")
            }
            rows.append(
                Row(
                    key=key,
                    label=label,
                    value=show(value.get("value"), unit),
                    numerator=show(value.get("numerator"))
                    if value.get("numerator") is not None
                    else "",
                    denominator=show(value.get("denominator")),
                    extra={k: show(v) for k, v in extra.items()},
                )
            )
            bars.append((label, value.get("value")))
        else:
            rows.append(Row(key=key, label=label, value=show(value)))
            bars.append((label, value))
    title = f"{item['code']} {breakdown_label(name)}"
    chart_unit = "%" if unit == "%" and has_ratio else ""
    return Breakdown(
        name=name,
        label=breakdown_label(name),
        rows=rows,
        chart=bar_chart(bars, title=title, unit=chart_unit),
        has_ratio=has_ratio,
    )


def report_view(report: dict, trends: dict[str, list] | None = None) -> list[tuple[str, list]]:
    """[(group label, [IndicatorView])] in group order."""
    labels = Labels()
    groups: dict[str, list[IndicatorView]] = {}
    for item in report["indicators"]:
        indicator = REGISTRY.get(item["code"])
        trend = (trends or {}).get(item["code"])
        view = IndicatorView(
            code=item["code"],
            name=item["name"],
            unit=item["unit"],
            group=item["group"],
            value=show(item["value"], item["unit"]),
            numerator=show(item["numerator"]) if item["numerator"] is not None else "",
            denominator=show(item["denominator"]) if item["denominator"] is not None else "",
            definition=str(indicator.definition) if indicator else "",
            help=str(indicator.help) if indicator else "",
            detail=_detail(item),
            breakdowns=[
                breakdown_view(item, name, cells, labels)
                for name, cells in item["disaggregations"].items()
                if cells
            ],
            trend=line_chart(
                trend,
                title=_("%(code)s, last %(n)s periods") % {"code": item["code"], "n": len(trend)},
                unit="%" if item["unit"] == "%" else "",
            )
            if trend
            else "",
            review=item.get("review", []),
            note=_note(item),
        )
        groups.setdefault(item["group"], []).append(view)
    return [
        (group_label(group), views)
        for group, views in sorted(groups.items(), key=lambda pair: group_order(pair[0]))
    ]
