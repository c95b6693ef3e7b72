"""The services pages in a real browser (Chromium): the case plan with the type help fetched by
htmx, a one-off support, a referral answered by the provider, the directory filtered live; no
CSP violations; screenshots at desktop and phone width into test-artifacts/."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from ctip.conftest import SYSTEM, verified_client
from ctip.services.models import Referral, ServiceEpisode
from ctip.services.services import episode_record
from ctip.tests_browser.conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser


def page_as(browser, live_server, user, viewport, csp_errors):
    client = verified_client(user)
    context = browser.new_context(viewport=viewport, locale="en-GB")
    context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "url": live_server.url,
            }
        ]
    )
    page = csp_errors(context.new_page())
    page.set_default_timeout(15_000)
    return page


def test_case_plan_episode_referral_and_answer(
    transactional_db,
    live_server,
    browser,
    cast,
    make_survivor,
    types,
    need,
    consent,
    profile,
    provider_user,
    artifacts,
    csp_errors,
):
    survivor = make_survivor()
    consent(survivor)
    legal = need(survivor, "legal")
    episode_record(
        origin=SYSTEM,
        survivor=survivor,
        service_type=types["legal_aid"],
        provider=cast.gov_provider,
        need=legal,
        started_on=dt.date(2026, 1, 20),
        sessions=4,
        notes="Hearing set for March",
    )
    page = page_as(browser, live_server, cast.case_worker, DESKTOP, csp_errors)
    page.goto(f"{live_server.url}/survivors/{survivor.code}/")
    page.click("text=Case plan: services and referrals")
    page.wait_for_url(f"**/survivors/{survivor.code}/plan/")
    expect(page.locator("h1")).to_contain_text("Case plan")

    # A one-off support: the type's help text arrives by htmx when the type is chosen.
    page.click(".page-head >> text=Record an episode")
    page.select_option("#id_service_type", label="Transport (recorded, not counted)")
    expect(page.locator("#type-help")).to_contain_text("A single trip or ticket")
    page.select_option("#id_provider", label=cast.ngo_a.name)
    page.fill("#id_started_on", "2026-01-21")
    page.click("button[type=submit] >> text=Save episode")
    page.wait_for_url(f"**/survivors/{survivor.code}/plan/")
    expect(page.locator(".messages")).to_contain_text("Episode recorded.")
    expect(page.locator("text=not counted").first).to_be_visible()

    # A referral to the government office, which answers it in ctip.
    page.click(".page-head >> text=Refer to a provider")
    page.select_option("#id_service_type", label="Legal aid")
    page.select_option("#id_need", index=1)
    page.select_option("#id_to_provider", label=cast.gov_provider.name)
    page.fill("#id_sent_on", "2026-01-22")
    page.click("button[type=submit] >> text=Send referral")
    page.wait_for_url(f"**/survivors/{survivor.code}/plan/")
    page.screenshot(path=str(artifacts / "services-case-plan.png"), full_page=True)
    referral = Referral.objects.get()

    provider = page_as(browser, live_server, provider_user, PHONE, csp_errors)
    provider.goto(f"{live_server.url}/referrals/")
    expect(provider.locator("#results")).to_contain_text(survivor.code)
    provider.screenshot(
        path=str(artifacts / "services-referrals-received-phone.png"), full_page=True
    )
    provider.click(f"text={survivor.code}")
    expect(provider.locator("body")).not_to_contain_text("Somsri")
    provider.select_option("#id_status", "service_started")
    provider.fill("#id_on", "2026-01-27")
    provider.click("button[type=submit] >> text=Save")
    expect(provider.locator(".messages")).to_contain_text("Referral updated.")
    provider.screenshot(
        path=str(artifacts / "services-referral-answered-phone.png"), full_page=True
    )
    referral.refresh_from_db()
    assert referral.status == "service_started"
    assert ServiceEpisode.objects.filter(provider=cast.gov_provider).count() == 2

    # The case worker sees the loop closing on the plan, on a phone too.
    phone = page_as(browser, live_server, cast.case_worker, PHONE, csp_errors)
    phone.goto(f"{live_server.url}/survivors/{survivor.code}/plan/")
    expect(phone.locator(".timeline")).to_contain_text("Service started")
    phone.screenshot(path=str(artifacts / "services-case-plan-phone.png"), full_page=True)
    assert csp_errors.errors == []


def test_directory_filters_live(
    transactional_db,
    live_server,
    browser,
    cast,
    profile,
    artifacts,
    csp_errors,
):
    page = page_as(browser, live_server, cast.case_worker, DESKTOP, csp_errors)
    page.goto(f"{live_server.url}/providers/")
    expect(page.locator("#results")).to_contain_text("Social Development Office")
    page.select_option("#id_service_type", "psychosocial")
    expect(page.locator("#results")).to_contain_text("No provider in the directory matches")
    page.select_option("#id_service_type", "legal_aid")
    expect(page.locator("#results")).to_contain_text("Social Development Office")
    assert "service_type=legal_aid" in page.url
    page.screenshot(path=str(artifacts / "services-providers.png"), full_page=True)
    phone = page_as(browser, live_server, cast.case_worker, PHONE, csp_errors)
    phone.goto(f"{live_server.url}/providers/?service_type=legal_aid")
    phone.screenshot(path=str(artifacts / "services-providers-phone.png"), full_page=True)
    assert csp_errors.errors == []
