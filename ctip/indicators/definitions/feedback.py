"""Indicators of `feedback` (INDICATORS.md): FBK-1 feedback answered, FBK-2 feedback by theme.

Both count feedback received in the period by channels under the scope node, leaving out spam
and safeguarding items (those are counted only on the safeguarding team's own pages, so that a
country project cannot see that a complaint about its staff exists). Small cells are suppressed
in every output (``always_suppress``): feedback is anonymous, and its reports must not become a
way to identify a sender.
"""

from ctip.core.models import Organisation
from ctip.core.suppression import THRESHOLD
from ctip.feedback.selectors import counted_feedback, fbk1_counts, fbk2_counts
from ctip.indicators.periods import Period
from ctip.indicators.registry import Indicator, IndicatorResult, register
from ctip.indicators.tally import rate


def compute_fbk1(scope: Organisation, period: Period) -> IndicatorResult:
    """Value: % acknowledged within 7 days; detail: % closed with a reply the sender can read.

    The second share is left out (None) when its count is from 1 to 4, as the engine does for
    the first: with the denominator shown, the share would give the small count away.
    """
    counts = fbk1_counts(counted_feedback(scope.path, period.start, period.end))
    received = counts["received"]
    closed = counts["closed_with_reply"]
    closed_share = rate(closed, received) if not 0 < closed < THRESHOLD else None
    return IndicatorResult(
        value=rate(counts["acknowledged_in_7_days"], received),
        numerator=counts["acknowledged_in_7_days"],
        denominator=received,
        detail={"closed_with_reply_share": closed_share},
    )


def compute_fbk2(scope: Organisation, period: Period) -> IndicatorResult:
    counts = fbk2_counts(counted_feedback(scope.path, period.start, period.end))
    return IndicatorResult(
        value=counts["total"],
        disaggregations={"theme": counts["theme"], "channel": counts["channel"]},
    )


FBK1 = register(
    Indicator(
        code="FBK-1",
        name="Feedback answered",
        unit="% of feedback",
        definition=(
            "Among feedback received in the period: the share acknowledged within 7 days, and "
            "the share closed with a reply the sender can read with their receipt."
        ),
        compute=compute_fbk1,
        help=(
            "Value: % of feedback received in the period that was acknowledged (read and marked, "
            "or replied to) within 7 days of arrival; detail: % closed with a reply. Spam and "
            "safeguarding items are not counted."
        ),
        public_detail=("closed_with_reply_share",),
        is_count=False,
        always_suppress=True,
        group="feedback",
    )
)

FBK2 = register(
    Indicator(
        code="FBK-2",
        name="Feedback by theme",
        unit="feedback items",
        definition=(
            "Feedback received in the period by theme and channel, counts with small-cell "
            "suppression always on (feedback is anonymous; its reports must not become a way to "
            "identify a sender)."
        ),
        compute=compute_fbk2,
        help=(
            "An item with several themes counts once under each; 'none' counts items without a "
            "theme. Spam and safeguarding items are not counted."
        ),
        breakdowns=("theme", "channel"),
        is_count=True,
        always_suppress=True,
        group="feedback",
    )
)
