"""The issue's walk-through in a real browser: log in with password and TOTP, find a survivor
by phone number, open the case, record consent, and see it on the page."""

import pytest
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from ctip.conftest import PASSWORD
from ctip.core.audit import Action
from ctip.core.models import AuditEntry
from ctip.tests_browser.conftest import DESKTOP

pytestmark = pytest.mark.browser


def current_code(user) -> str:
    device = TOTPDevice.objects.get(user=user)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_case_worker_finds_survivor_by_phone_and_records_consent(
    transactional_db, live_server, browser, cast, make_survivor, artifacts, csp_errors
):
    survivor = make_survivor(phone="+66 81 234 5678")
    make_survivor(given_name="Other", family_name="Person", phone="+66 89 999 0000")
    context = browser.new_context(viewport=DESKTOP, locale="en-GB")
    page = csp_errors(context.new_page())
    page.set_default_timeout(15_000)

    page.goto(f"{live_server.url}/survivors/")
    assert "/account/login/" in page.url
    page.fill("#id_username", cast.case_worker.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit] >> text=Log in")

    # Password alone is not enough: enrol the authenticator, then type its current code.
    page.wait_for_url("**/account/2fa/**")
    assert page.locator(".qr svg").count() == 1
    page.screenshot(path=str(artifacts / "two-factor-enrol.png"), full_page=True)
    page.fill("#id_token", current_code(cast.case_worker))
    page.click("text=Verify")
    # Back to the page first asked for (the login's ?next, then the 2FA page's).
    page.wait_for_url(f"{live_server.url}/survivors/")

    page.fill("#id_q", "081-234-5678")
    page.press("#id_q", "Enter")
    row = page.locator("#results tbody tr")
    expect(row).to_have_count(1)
    assert survivor.code in row.first.inner_text()
    assert "Somsri Kaewmanee" in row.first.inner_text()
    # The phone number typed must not be pushed into the browser's history.
    assert "081" not in page.url

    page.click(f"text={survivor.code}")
    page.wait_for_url(f"**/survivors/{survivor.code}/")
    assert page.locator("h1").inner_text().startswith(survivor.code)

    page.click("text=Record consent")
    page.select_option("#id_purpose", "referral")
    page.check("input[name=given][value=yes]")
    page.fill("#id_decided_on", timezone.localdate().isoformat())
    page.click("button[type=submit] >> text=Record consent")
    page.wait_for_url(f"**/survivors/{survivor.code}/")

    page.screenshot(path=str(artifacts / "survivor-consent-recorded.png"), full_page=True)
    assert "Consent recorded." in page.locator(".messages").inner_text()
    referral = page.locator(".consent", has_text="Referral to services")
    assert "given on" in referral.inner_text()
    assert timezone.localdate().isoformat() in referral.inner_text()
    assert page.locator(".timeline").inner_text().count("Consent given: Referral to services") == 1

    survivor.refresh_from_db()
    assert survivor.consents.get().purpose == "referral"
    search = AuditEntry.objects.get(action=Action.SEARCH)
    assert search.detail == {"kind": "phone", "results": 1}
    assert (
        AuditEntry.objects.filter(
            action=Action.VIEW, object_ref=survivor.code, actor=cast.case_worker
        ).count()
        == 2
    )  # the page before and after the consent
    assert csp_errors.errors == []
    context.close()


def test_wrong_code_keeps_the_case_worker_out(transactional_db, live_server, browser, cast):
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(f"{live_server.url}/account/login/")
    page.fill("#id_username", cast.case_worker.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit] >> text=Log in")
    page.wait_for_url("**/account/2fa/**")
    wrong = (int(current_code(cast.case_worker)) + 1) % 1_000_000
    page.fill("#id_token", f"{wrong:06d}")
    page.click("text=Verify")
    assert "That code is not right" in page.locator(".field-error").inner_text()
    page.goto(f"{live_server.url}/survivors/")
    assert "/account/2fa/" in page.url
    context.close()
