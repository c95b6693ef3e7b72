"""FBK-1 and FBK-2 (INDICATORS.md) with exact values, suppression always on, and the dashboard."""

import datetime as dt

import pytest

from ctip.core.audit import Origin
from ctip.feedback import selectors
from ctip.feedback.models import Feedback
from ctip.feedback.services import feedback_mark_spam, feedback_reply, feedback_submit
from ctip.indicators.definitions.feedback import FBK1, FBK2
from ctip.indicators.engine import indicator_json
from ctip.indicators.periods import Period

pytestmark = pytest.mark.django_db
Q1 = Period.parse("2026-Q1")
D = dt.date


@pytest.fixture
def data(cast, channel, other_channel):
    pm = Origin(user=cast.programme_manager, source="tests")

    def make(received, *, themes=(), ack=None, closed=None, satisfaction=None, chan=channel,
             spam=False, safeguarding=False):  # fmt: skip
        item = feedback_submit(
            channel=chan,
            language="en",
            body="x",
            themes=themes,
            satisfaction=satisfaction,
            safeguarding=safeguarding,
        ).feedback
        if closed:
            feedback_reply(origin=pm, feedback=item, body="Answer", close=True)
        if spam:
            feedback_mark_spam(origin=pm, feedback=item, spam=True)
        status = "closed" if closed else ("acknowledged" if ack else "new")
        Feedback.objects.filter(pk=item.pk).update(
            received_on=received, acknowledged_on=ack, closed_on=closed, status=status
        )
        return item

    make(D(2026, 1, 5), themes=["shelter", "health"], ack=D(2026, 1, 10), closed=D(2026, 1, 20),
         satisfaction=2)  # fmt: skip
    make(D(2026, 1, 5), themes=["shelter"], ack=D(2026, 1, 13))  # 8 days: too late
    make(D(2026, 2, 1), ack=D(2026, 2, 8), closed=D(2026, 2, 9))  # exactly 7 days
    make(D(2026, 2, 1))
    for score in (4, 4, 5, 3, 4):
        make(D(2026, 3, 10), themes=["safety"], ack=D(2026, 3, 10), closed=D(2026, 3, 12),
             satisfaction=score)  # fmt: skip
    make(D(2026, 3, 1), themes=["shelter"], spam=True)  # spam: never counted
    make(D(2026, 3, 1), themes=["respect"], safeguarding=True)  # counted only by safeguarding
    make(D(2026, 4, 1), themes=["shelter"])  # the next quarter
    make(D(2026, 3, 31), ack=D(2026, 3, 31), chan=other_channel)  # Cambodia


def test_fbk1_exact(data, cast):
    result = FBK1.compute(cast.thailand, Q1)
    assert (result.value, result.numerator, result.denominator) == (77.8, 7, 9)
    assert result.detail == {"closed_with_reply_share": 77.8}
    whole = FBK1.compute(cast.implementer, Q1)
    assert (whole.numerator, whole.denominator) == (8, 10)


def test_fbk1_hides_a_share_that_would_give_a_small_count_away(data, cast):
    result = FBK1.compute(cast.ngo_kh, Q1)
    assert (result.value, result.numerator, result.denominator) == (100.0, 1, 1)
    assert result.detail == {"closed_with_reply_share": 0.0}
    shown = indicator_json(FBK1, result, public=False)  # always suppressed, even inside
    assert shown["value"] is None
    assert shown["numerator"] == "<5" and shown["denominator"] == "<5"


def test_fbk2_exact_and_always_suppressed(data, cast):
    result = FBK2.compute(cast.thailand, Q1)
    assert result.value == 9
    assert result.disaggregations["theme"] == {
        "shelter": 2, "health": 1, "legal": 0, "livelihood": 0, "safety": 5, "respect": 0,
        "information": 0, "family_return": 0, "project_design": 0, "other": 0, "none": 2,
    }  # fmt: skip
    assert result.disaggregations["channel"] == {"friends": 9}
    shown = indicator_json(FBK2, result, public=False)
    assert shown["value"] == 9
    assert shown["disaggregations"]["theme"] == {
        "shelter": "<5", "health": "<5", "legal": 0, "livelihood": 0, "safety": 5, "respect": 0,
        "information": 0, "family_return": 0, "project_design": 0, "other": 0, "none": "<5",
    }  # fmt: skip
    # One small cell alone would be recoverable from the total: a second one is hidden too.
    kh = indicator_json(FBK2, FBK2.compute(cast.cambodia, Q1), public=False)
    assert kh["value"] == "<5"
    assert kh["disaggregations"]["channel"] == {"pp-care": "<5"}


def test_registered_in_the_feedback_group():
    for indicator in (FBK1, FBK2):
        assert indicator.group == "feedback"
        assert indicator.always_suppress


def test_dashboard_numbers_are_suppressed(data, cast):
    data = selectors.dashboard_data(cast.thailand.path, Q1, months=3)
    assert data["received"] == 9
    assert data["acknowledged_share"] == 77.8
    assert data["closed_share"] == 77.8
    assert data["by_month"] == [("2026-01", "<5"), ("2026-02", "<5"), ("2026-03", 5)]
    assert dict(data["theme_months"]) == {
        "shelter": ["<5", 0, 0],
        "health": ["<5", 0, 0],
        "safety": [0, 0, 5],
    }
    assert data["by_channel"] == {"friends": 9}
    assert data["satisfaction"] == [
        {"slug": "friends", "name": "Friends Foundation feedback", "n": 6, "mean": 3.7}
    ]


def test_dashboard_page_for_donor_and_manager(data, cast, client_for):
    # The donor sits at the implementer (Thailand and Cambodia), the manager in Thailand.
    for user, share in ((cast.donor, "80.0%"), (cast.programme_manager, "77.8%")):
        page = client_for(user).get("/feedback/dashboard/?period=2026-Q1")
        assert page.status_code == 200
        html = page.content.decode()
        assert share in html
        assert "<svg" in html
        assert "&lt;5" in html
        assert "x" not in [line.strip() for line in html.splitlines()]  # no feedback text
