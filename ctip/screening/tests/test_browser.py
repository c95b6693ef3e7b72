"""The screening pages in a real browser (Chromium) at phone width: the self-screen answered
alone leaves no cookie and "leave quickly" replaces the page (Back does not return to it); the
outreach worker screens with the person and refers with consent; no CSP violations, nothing
wider than the phone; screenshots into test-artifacts/."""

import pytest
from playwright.sync_api import expect

from ctip.conftest import verified_client
from ctip.screening import public
from ctip.screening.models import Screen
from ctip.services.catalogue import catalogue_ensure_defaults
from ctip.services.models import ProviderProfile, Referral, ServiceType
from ctip.tests_browser.conftest import PHONE

pytestmark = pytest.mark.browser


def no_overflow(page) -> None:
    """Nothing of the page's own content is wider than the phone (the shared header is the
    base layout's business; stacked tables move their header row off screen on purpose)."""
    wide = page.evaluate(
        "[...document.querySelectorAll('main *')].filter(e => !e.closest('thead'))"
        ".filter(e => e.getBoundingClientRect().right > innerWidth + 1)"
        ".slice(0, 5).map(e => e.tagName + ' ' + e.textContent.slice(0, 30))"
    )
    assert wide == [], wide


def test_self_screen_alone_on_a_phone(
    transactional_db, live_server, browser, cast, artifacts, csp_errors, monkeypatch
):
    monkeypatch.setattr(public, "LEAVE_URL", f"{live_server.url}/account/login/")
    context = browser.new_context(viewport=PHONE, locale="en-GB")
    page = csp_errors(context.new_page())
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/screen/th-ngo-a/?lang=en")
    no_overflow(page)
    page.get_by_text("Under 18", exact=True).click()
    page.locator("input[name=q_act_moved][value=yes]").check(force=True)
    page.locator("input[name=q_dur_illicit][value=yes]").check(force=True)
    page.get_by_role("button", name="See the result").click()
    expect(page.locator("#result")).to_contain_text("refer for formal identification")
    no_overflow(page)
    page.screenshot(path=artifacts / "screening-self-result-phone.png", full_page=True)
    assert context.cookies() == []
    screen = Screen.objects.get()
    assert (screen.channel, screen.suggests_referral) == ("self", True)
    page.get_by_role("link", name="Leave quickly").click()
    page.wait_for_url("**/account/login/")
    page.go_back()
    # The result was replaced in the history: Back reaches at most the empty first page
    # (served again, never from a cache: no-store), never the answers or the result.
    assert page.locator("#result").count() == 0
    assert page.locator("input:checked").count() == 0
    assert csp_errors.errors == []
    context.close()


def test_outreach_worker_screens_and_refers_with_consent(
    transactional_db, live_server, browser, cast, artifacts, csp_errors
):
    catalogue_ensure_defaults(ServiceType)  # transactional tests start without migration rows
    ProviderProfile.objects.create(organisation=cast.gov_provider)
    client = verified_client(cast.case_worker)
    context = browser.new_context(viewport=PHONE, locale="en-GB")
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = csp_errors(context.new_page())
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/screening/new/?lang=en")
    no_overflow(page)
    page.get_by_text("18 or older", exact=True).click()
    for item in ("act_recruited", "rec_deceived_job", "dur_forced_work"):
        page.locator(f"input[name=q_{item}][value=yes]").check(force=True)
    page.get_by_role("button", name="See the result").click()
    expect(page.locator(".result-line")).to_have_text("Refer for formal identification.")
    no_overflow(page)
    page.screenshot(path=artifacts / "screening-result-phone.png", full_page=True)
    page.get_by_role("link", name="The person consents: refer").click()
    page.get_by_label("The person agrees to be referred").check()
    page.get_by_label("Given name").fill("Moe")
    page.get_by_label("Family name").fill("Thandar")
    page.get_by_label("Service asked for").select_option(
        str(ServiceType.objects.get(code="shelter").pk)
    )
    page.get_by_label("Refer to").select_option(str(cast.gov_provider.pk))
    no_overflow(page)
    page.get_by_role("button", name="Register and refer").click()
    expect(page.locator(".messages")).to_contain_text("Referral sent for")
    screen = Screen.objects.get()
    assert screen.consent == "given"
    assert Referral.objects.get().survivor == screen.survivor
    assert csp_errors.errors == []
    context.close()
