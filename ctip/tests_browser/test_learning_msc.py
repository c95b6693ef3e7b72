"""MSC in a real browser: a case worker records a story in the page; the M&E officer chooses it
in the partner panel's round, with reasons, and closes the round; the story's page shows its
path. The pages fit a phone."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ctip.conftest import SYSTEM
from ctip.learning.models import Choice, Story
from ctip.learning.services import domain_create, round_create
from ctip.tests_browser.conftest import DESKTOP, PHONE
from ctip.tests_browser.test_screenshots import assert_fits, logged_in_page, shoot

pytestmark = pytest.mark.browser


@pytest.fixture
def thai_domains(cast):
    return [
        domain_create(origin=SYSTEM, programme=cast.thailand, name="Income and decent work"),
        domain_create(origin=SYSTEM, programme=cast.thailand, name="Safety and freedom"),
    ]


def test_record_a_story_and_choose_it_in_a_round(
    transactional_db, live_server, browser, cast, thai_domains, artifacts, csp_errors
):
    today = timezone.localdate()
    context, page = logged_in_page(browser, live_server, cast.case_worker, DESKTOP, csp_errors)
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/learning/stories/new/")
    page.select_option("#id_organisation", str(cast.ngo_a.pk))
    page.select_option("#id_domain", label="Safety and freedom · th")
    page.check("input[name=teller_type][value=survivor]")
    page.select_option("#id_language", "my")
    page.fill("#id_title", "The broker gave back our passports")
    page.fill("#id_text", "The broker kept twelve passports. After the letter he gave them back.")
    page.fill("#id_why_it_matters", "Now I can go home when I want.")
    page.check("input[name=consent][value=yes]")
    page.select_option("#id_consent_scope", "reports")
    shoot(page, artifacts / "learning-story-form-desktop.png", DESKTOP)
    page.click("button[type=submit] >> text=Save the story")
    page.wait_for_url("**/learning/stories/*/")
    story = Story.objects.get()
    assert f"Story {story.ref} recorded." in page.locator(".messages").inner_text()
    assert (story.teller_type, story.language, story.domain.name) == (
        "survivor", "my", "Safety and freedom")  # fmt: skip
    context.close()

    selection_round = round_create(
        origin=SYSTEM,
        organisation=cast.ngo_a,
        name="Friends panel",
        period_start=today - dt.timedelta(days=30),
        period_end=today,
        held_on=today,
        panel="Director, two case workers",
        method="consensus",
    )
    context, page = logged_in_page(browser, live_server, cast.me_officer, DESKTOP, csp_errors)
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/learning/rounds/{selection_round.uuid}/")
    candidate = page.locator(".ln-candidate", has_text=story.ref)
    candidate.locator("summary").click()
    expect(candidate.locator(".ln-story-text")).to_contain_text("twelve passports")
    candidate.locator("textarea[name=reasons]").fill("Freedom of movement restored for twelve.")
    shoot(page, artifacts / "learning-round-desktop.png", DESKTOP)
    candidate.locator("button", has_text=f"Choose {story.ref}").click()
    page.wait_for_load_state()
    assert "chosen for “Safety and freedom”" in page.locator(".messages").inner_text()
    expect(page.locator(".ln-candidate.is-chosen")).to_contain_text(story.ref)
    page.click("button >> text=Close the round")
    page.wait_for_load_state()
    assert "Round closed" in page.locator(".messages").inner_text()
    choice = Choice.objects.get()
    assert (choice.story, choice.reasons, choice.round.status) == (
        story, "Freedom of movement restored for twelve.", "closed")  # fmt: skip

    page.goto(f"{live_server.url}/learning/stories/{story.uuid}/")
    path = page.locator(".ln-path")
    expect(path).to_contain_text("Friends panel")
    expect(path).to_contain_text("Freedom of movement restored for twelve.")
    shoot(page, artifacts / "learning-story-path-desktop.png", DESKTOP)
    assert csp_errors.errors == []
    context.close()


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_learning_pages_fit(
    transactional_db, live_server, browser, cast, thai_domains, artifacts, csp_errors, size
):
    viewport = DESKTOP if size == "desktop" else PHONE
    shots = [
        (cast.programme_manager, "/learning/", "learning-dashboard"),
        (cast.programme_manager, "/learning/stories/new/", "learning-story-form"),
        (cast.me_officer, "/learning/evaluations/", "learning-evaluations"),
        (cast.donor, "/learning/", "learning-dashboard-donor"),
    ]
    for user, path, name in shots:
        context, page = logged_in_page(browser, live_server, user, viewport, csp_errors)
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        shoot(page, artifacts / f"{name}-{size}.png", viewport)
        assert_fits(page, viewport["width"])
        context.close()
    assert csp_errors.errors == []
