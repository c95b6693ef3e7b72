"""Follow-up in a real browser: a case worker records a follow-up with WHO-5 from the worklist
and sees the score on the survivor's outcome timeline; the pages fit a phone."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ctip.conftest import SYSTEM
from ctip.followup.models import Assessment
from ctip.followup.services import (
    assessment_record,
    cohort_draw,
    outcome_record,
    route_add,
    schedule_generate,
)
from ctip.followup.tests.conftest import consent
from ctip.tests_browser.conftest import DESKTOP, PHONE
from ctip.tests_browser.test_screenshots import assert_fits, logged_in_page, shoot

pytestmark = pytest.mark.browser


@pytest.fixture
def followed_survivor(cast, make_survivor):
    today = timezone.localdate()
    survivor = make_survivor(identified_on=today - dt.timedelta(days=200))
    consent(survivor, on=survivor.opened_on)
    schedule_generate(origin=SYSTEM, survivor=survivor, today=survivor.opened_on)
    route_add(origin=SYSTEM, survivor=survivor, kind="own_phone", detail="+66 81 234 5678")
    route_add(origin=SYSTEM, survivor=survivor, kind="relative", detail="+66 89 000 1111",
              label="mother")  # fmt: skip
    for days, raw in ((195, [1, 2, 1, 2, 1]), (150, [2, 2, 2, 2, 1])):
        assessment_record(
            origin=SYSTEM,
            survivor=survivor,
            instrument_code="who5",
            answers={str(i): v for i, v in enumerate(raw, start=1)},
            taken_on=today - dt.timedelta(days=days),
        )
    outcome_record(
        origin=SYSTEM,
        survivor=survivor,
        kind="employment",
        occurred_on=today - dt.timedelta(days=20),
        source="survivor",
        employment_status="employed",
        monthly_income=9000,
        income_currency="THB",
    )
    return survivor


def test_record_a_follow_up_with_who5_and_see_the_score(
    transactional_db, live_server, browser, cast, followed_survivor, artifacts, csp_errors
):
    survivor = followed_survivor
    context, page = logged_in_page(browser, live_server, cast.case_worker, DESKTOP, csp_errors)
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/followup/")
    overdue = page.locator("#overdue-h + .table-wrap tbody tr", has_text=survivor.code).first
    expect(overdue).to_be_visible()
    shoot(page, artifacts / "followup-worklist-desktop.png", DESKTOP)
    overdue.locator("text=Record").click()
    page.wait_for_url("**/record/")

    page.check("input[name=result][value=reached]")
    page.locator("details.fu-instrument", has_text="WHO-5").locator("summary").click()
    for item, value in zip(range(1, 6), [4, 4, 3, 4, 3], strict=True):  # 18 raw → 72 %
        page.check(f"input[name=who5-{item}][value='{value}']")
    page.fill("#id_note", "Working at a garment shop, living with her mother.")
    shoot(page, artifacts / "followup-record-desktop.png", DESKTOP)
    page.click("button[type=submit] >> text=Save the follow-up")
    page.wait_for_url(f"**/survivors/{survivor.code}/outcomes/")

    assert "Follow-up recorded." in page.locator(".messages").inner_text()
    scores = page.locator(".fu-series", has_text="WHO-5")
    expect(scores.locator("tbody tr").last.locator(".fu-score")).to_have_text("72")
    assert scores.locator("svg.chart-line circle").count() == 3  # 12 %, 36 %, now 72 %
    assert "WHO-5 over time" in scores.locator("svg title").first.text_content()
    shoot(page, artifacts / "followup-timeline-desktop.png", DESKTOP)
    assessment = Assessment.objects.filter(survivor=survivor).order_by("-taken_on", "-id").first()
    assert (assessment.score, assessment.followup.result) == (72, "reached")
    assert csp_errors.errors == []
    context.close()


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_followup_pages_fit(
    transactional_db, live_server, browser, cast, followed_survivor, artifacts, csp_errors, size
):
    viewport = DESKTOP if size == "desktop" else PHONE
    cohort = cohort_draw(origin=SYSTEM, organisation=cast.thailand, name="Thai cohort", size=5,
                         seed=11)  # fmt: skip
    code = followed_survivor.code
    first = followed_survivor.followups.filter(status="pending").order_by("due_on").first()
    shots = [
        (cast.case_worker, "/followup/", "followup-worklist"),
        (cast.case_worker, f"/survivors/{code}/outcomes/", "followup-timeline"),
        (cast.case_worker, f"/followup/{first.uuid}/record/", "followup-record"),
        (cast.case_worker, "/followup/instruments/", "followup-instruments"),
        (cast.me_officer, f"/followup/cohorts/{cohort.pk}/", "followup-cohort"),
        (cast.me_officer, f"/survivors/{code}/outcomes/", "followup-timeline-me"),
    ]
    for user, path, name in shots:
        context, page = logged_in_page(browser, live_server, user, viewport, csp_errors)
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        shoot(page, artifacts / f"{name}-{size}.png", viewport)
        assert_fits(page, viewport["width"])
        context.close()
    assert csp_errors.errors == []
