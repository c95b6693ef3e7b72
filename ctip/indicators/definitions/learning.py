"""Learning indicators (issue 7): LRN-1, actions from pause-and-reflect sessions done on time.

An action is in scope when its session's organisation is in the scope node's subtree. Counted
in the database: one aggregate for the totals, one grouped query for the organisation
breakdown (each organisation rolled up to its partner, as elsewhere).
"""

from django.db.models import Count, F, Q
from django.utils.translation import gettext_lazy as _

from ctip.core.models import Organisation
from ctip.indicators.dimensions import organisation_units, unit_case
from ctip.indicators.periods import Period
from ctip.indicators.registry import Indicator, IndicatorResult, register
from ctip.indicators.tally import rate
from ctip.learning.models import Action, ActionStatus

GROUP = "learning"


def on_time() -> Q:
    """Done, on or before the due date."""
    return Q(status=ActionStatus.DONE, done_on__lte=F("due_on"))


def lrn1_actions(scope: Organisation, period: Period):
    return Action.objects.filter(
        session__organisation__path__startswith=scope.path,
        due_on__gte=period.start,
        due_on__lte=period.end,
    )


def lrn1_compute(scope: Organisation, period: Period) -> IndicatorResult:
    actions = lrn1_actions(scope, period)
    totals = actions.aggregate(n=Count("pk", filter=on_time()), d=Count("pk"))
    units = organisation_units(scope)
    rows = (
        actions.order_by()
        .values(cell=unit_case("session__organisation_id", units))
        .annotate(n=Count("pk", filter=on_time()), d=Count("pk"))
    )
    found = {row["cell"]: row for row in rows}
    by_organisation = {
        unit.code: {
            "value": rate(found[unit.code]["n"], found[unit.code]["d"]),
            "numerator": found[unit.code]["n"],
            "denominator": found[unit.code]["d"],
        }
        for unit in units
        if unit.code in found
    }
    return IndicatorResult(
        value=rate(totals["n"], totals["d"]),
        numerator=totals["n"],
        denominator=totals["d"],
        disaggregations={"organisation": by_organisation},
    )


register(
    Indicator(
        code="LRN-1",
        name=_("Actions from pause-and-reflect sessions completed on time"),
        unit="%",
        definition=_(
            "Of the actions agreed in pause-and-reflect sessions in scope whose due date falls "
            "in the period, the percentage done on or before their due date."
        ),
        compute=lrn1_compute,
        breakdowns=("organisation",),
        is_count=False,
        group=GROUP,
        help=_(
            "Read as: denominator, every action of a session held in the scope's subtree whose "
            "due date is in the period, whatever its status; numerator, those marked done with "
            "a done date on or before the due date. An action done late, or not done (yet), "
            "counts in the denominator only; an action due outside the period is not counted "
            "at all, even if it was done in the period. Percentage with one decimal; by "
            "organisation of the session (rolled up to its partner)."
        ),
        people_denominator=False,
    )
)
