"""Partnerships in a real browser: move an engagement along the board (htmx) and see the funnel
change; the gate refuses a concept note; the pages at desktop and phone widths."""

import datetime as dt

import pytest
from django.conf import settings
from playwright.sync_api import expect

from ctip.conftest import verified_client
from ctip.core.models import User
from ctip.interop.demo import build_demo
from ctip.partnerships.models import Draft, Engagement, EngagementEvent, Stage
from ctip.partnerships.tests.conftest import make_company, make_engagement
from ctip.tests_browser.conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser


def logged_in_page(browser, live_server, user, viewport, csp_errors):
    client = verified_client(user)
    context = browser.new_context(viewport=viewport, device_scale_factor=1, locale="en-GB")
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = csp_errors(context.new_page())
    page.set_default_timeout(15_000)
    return context, page


def funnel_count(page, stage: str) -> str:
    return page.locator(f"#funnel-table tr[data-stage={stage}] td").inner_text()


def test_moving_a_card_along_the_board_changes_the_funnel(
    transactional_db, live_server, browser, cast, artifacts, csp_errors
):
    engagement = make_engagement(cast, make_company(cast, "Andaman Seafood Co."))
    make_engagement(cast, make_company(cast, "Siam Sugar"), on=dt.date(2026, 2, 1))
    context, page = logged_in_page(
        browser, live_server, cast.programme_manager, DESKTOP, csp_errors
    )
    page.goto(f"{live_server.url}/partnerships/")
    page.click("nav.main-nav >> text=Partnerships")
    page.click("nav >> text=Pipeline board")
    page.wait_for_url("**/partnerships/board/")

    card = page.locator(f"li[data-engagement='{engagement.uuid}']")
    landscape = page.locator("section.board-col[data-stage=landscape]")
    expect(landscape.locator(f"li[data-engagement='{engagement.uuid}']")).to_have_count(1)
    assert funnel_count(page, "landscape") == "2"
    assert funnel_count(page, "first_meeting") == "0"
    page.screenshot(path=str(artifacts / "partnerships-board-before.png"), full_page=True)

    # The card's select proposes the next stage; "Move" posts it with htmx.
    assert card.locator("select").input_value() == "first_meeting"
    card.locator("button", has_text="Move").click()
    first_meeting = page.locator("section.board-col[data-stage=first_meeting]")
    expect(first_meeting.locator(f"li[data-engagement='{engagement.uuid}']")).to_have_count(1)
    expect(page.locator("#funnel-table tr[data-stage=first_meeting] td")).to_have_text("1")
    assert funnel_count(page, "landscape") == "2"

    # Then on to interests aligned, chosen in the select.
    card = page.locator(f"li[data-engagement='{engagement.uuid}']")
    card.locator("select").select_option("interests_aligned")
    card.locator("button", has_text="Move").click()
    aligned = page.locator("section.board-col[data-stage=interests_aligned]")
    expect(aligned.locator(f"li[data-engagement='{engagement.uuid}']")).to_have_count(1)
    expect(page.locator("#funnel-table tr[data-stage=interests_aligned] td")).to_have_text("1")
    assert funnel_count(page, "first_meeting") == "1"

    # The concept note is gated: the board says why and the card stays.
    card = page.locator(f"li[data-engagement='{engagement.uuid}']")
    card.locator("select").select_option("concept_note")
    card.locator("button", has_text="Move").click()
    expect(page.locator(".board-error")).to_contain_text("alignment record")
    expect(aligned.locator(f"li[data-engagement='{engagement.uuid}']")).to_have_count(1)
    assert funnel_count(page, "concept_note") == "0"
    page.screenshot(path=str(artifacts / "partnerships-board-after.png"), full_page=True)

    moves = EngagementEvent.objects.filter(engagement=engagement).exclude(to_stage="")
    assert list(moves.values_list("to_stage", "by")) == [
        ("landscape", cast.pse_officer.pk),
        ("first_meeting", cast.programme_manager.pk),
        ("interests_aligned", cast.programme_manager.pk),
    ]
    assert Engagement.objects.get(pk=engagement.pk).stage == Stage.INTERESTS_ALIGNED
    assert csp_errors.errors == []
    context.close()


def shoot(page, path, viewport):
    if viewport["width"] < 600:
        height = min(page.evaluate("document.documentElement.scrollHeight"), 3 * viewport["height"])
        page.screenshot(
            path=str(path),
            full_page=True,
            clip={"x": 0, "y": 0, "width": viewport["width"], "height": height},
        )
    else:
        page.screenshot(path=str(path), full_page=True)


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_partnership_pages_on_the_demo(
    transactional_db, live_server, browser, artifacts, csp_errors, size
):
    build_demo(survivors=120)
    viewport = DESKTOP if size == "desktop" else PHONE
    andaman = Engagement.objects.get(company__name__startswith="Andaman", organisation__code="th")
    draft = Draft.objects.get()
    opening = andaman.openings.get()
    pse = User.objects.get(username="pse")
    manager = User.objects.get(username="manager")
    donor = User.objects.get(username="donor")
    shots = [
        (pse, "/partnerships/", "pse-dashboard"),
        (pse, "/partnerships/board/", "pse-board"),
        (pse, "/partnerships/companies/", "pse-companies"),
        (pse, f"/partnerships/companies/{andaman.company.uuid}/", "pse-company"),
        (pse, f"/partnerships/engagements/{andaman.uuid}/", "pse-engagement"),
        (pse, f"/partnerships/engagements/{andaman.uuid}/health-check/new/", "pse-health-form"),
        (pse, "/partnerships/concerns/", "pse-concerns"),
        (manager, f"/partnerships/engagements/{draft.engagement.uuid}/drafts/{draft.uuid}/",
         "manager-draft"),
        (manager, f"/partnerships/engagements/{andaman.uuid}/openings/{opening.uuid}/",
         "manager-opening"),
        (manager, "/partnerships/funding/", "manager-funding"),
        (donor, "/partnerships/", "donor-dashboard"),
    ]  # fmt: skip
    for user, path, name in shots:
        context, page = logged_in_page(browser, live_server, user, viewport, csp_errors)
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        shoot(page, artifacts / f"partnerships-{name}-{size}.png", viewport)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"{path} is {width}px wide"
        context.close()
    assert csp_errors.errors == []
