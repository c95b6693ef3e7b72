"""Screening indicators (issue 7): SCR-1, screens and the share that led to a consented
referral. Registered at import.

In scope: the screen's owning organisation is in the scope's subtree; in the period: its
``screened_on`` date lies in the period. One aggregate query computes the headline and every
cell (language, channel, organisation rolled up to its partner).
"""

from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from ctip.core.models import Organisation
from ctip.indicators.dimensions import organisation_units
from ctip.indicators.periods import Period
from ctip.indicators.registry import Indicator, IndicatorResult, register
from ctip.indicators.tally import aggregate_cells, rate
from ctip.screening.models import Channel, ConsentState, Screen
from ctip.screening.questionnaire import LANGUAGES

REFERRED = Q(consent=ConsentState.GIVEN, referral__isnull=False)


def _ratio(numerator: int, denominator: int) -> dict[str, Any]:
    return {"value": rate(numerator, denominator), "numerator": numerator,
            "denominator": denominator}  # fmt: skip


def scr1(scope: Organisation, period: Period) -> IndicatorResult:
    screens = Screen.objects.filter(
        organisation__path__startswith=scope.path,
        screened_on__gte=period.start,
        screened_on__lte=period.end,
    )
    units = organisation_units(scope)
    cells: dict[tuple, Q] = {("total", ""): Q()}
    for code in LANGUAGES:
        cells[("language", code)] = Q(language=code)
    for value in Channel.values:
        cells[("channel", value)] = Q(channel=value)
    for unit in units:
        cells[("organisation", unit.code)] = Q(organisation_id__in=unit.ids)
    aggregates = {}
    for key, condition in cells.items():
        aggregates[("screens", *key)] = Count("pk", filter=condition) if condition else Count("pk")
        aggregates[("referred", *key)] = Count("pk", filter=condition & REFERRED)
    values = aggregate_cells(screens, aggregates)
    breakdowns: dict[str, dict[str, Any]] = {"language": {}, "channel": {}, "organisation": {}}
    for (measure, name, cell), _value in values.items():
        if measure != "screens" or name == "total":
            continue
        denominator = values[("screens", name, cell)]
        numerator = values[("referred", name, cell)]
        if name in ("language", "organisation") and not denominator:
            continue  # dynamic breakdowns list only cells with screens
        breakdowns[name][cell] = _ratio(numerator, denominator)
    numerator = values[("referred", "total", "")]
    denominator = values[("screens", "total", "")]
    return IndicatorResult(
        value=rate(numerator, denominator),
        numerator=numerator,
        denominator=denominator,
        disaggregations=breakdowns,
    )


SCR1 = register(
    Indicator(
        code="SCR-1",
        name=_("Screens leading to a consented referral"),
        # xgettext:no-python-format
        unit=_("% of screens"),
        definition=_(
            "Denominator: identification screens in scope dated in the period (outreach and "
            "self-screens). Numerator: those of them after which the person consented and a "
            "referral was sent. Value: numerator / denominator, as a percentage with one decimal."
        ),
        help=_(
            "Read it as: of every 100 screens, how many became a referral the person agreed to. "
            "Self-screens are anonymous and can never lead to a referral in ctip, so a large "
            "self-screen share lowers the value; read it by channel. A screen counts in the "
            "period of its date, even when consent came later. Screens that suggest no referral "
            "stay in the denominator: the indicator measures the path from screening to "
            "protection, not the rule's precision."
        ),
        compute=scr1,
        breakdowns=("language", "channel", "organisation"),
        is_count=False,
        group="screening",
    )
)
