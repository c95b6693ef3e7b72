"""Login, two-factor enrolment and verification, lock-out, language, logout and the audit log."""

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from ctip.conftest import PASSWORD
from ctip.core.audit import Action
from ctip.core.models import AuditEntry


def code_for(device: TOTPDevice, drift: int = 0) -> str:
    """The code an authenticator app shows now (``drift`` steps away), from the device key."""
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=drift)
    return f"{value:06d}"


def password_login(user) -> Client:
    client = Client()
    response = client.post("/account/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_login_page_renders(db):
    response = Client().get("/account/login/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="username"' in body
    assert 'name="password"' in body
    assert "<script>" not in body  # CSP: no inline scripts


def test_wrong_password_is_refused_with_a_message(cast):
    response = Client().post(
        "/account/login/", {"username": cast.case_worker.username, "password": "wrong"}
    )
    assert response.status_code == 200
    assert "did not match" in response.content.decode()
    assert AuditEntry.objects.filter(action=Action.LOGIN_FAILED).count() == 1


def test_case_worker_with_password_only_must_enrol_then_gets_in(cast):
    client = password_login(cast.case_worker)
    response = client.get("/survivors/")
    assert response.status_code == 302
    assert response["Location"] == "/account/2fa/?next=%2Fsurvivors%2F"
    page = client.get("/account/2fa/")
    body = page.content.decode()
    assert "<svg" in body
    device = TOTPDevice.objects.get(user=cast.case_worker, confirmed=False)
    assert page.context["secret"] in body
    assert client.get("/survivors/").status_code == 302  # still not verified

    verified = client.post("/account/2fa/", {"token": code_for(device)})
    assert verified.status_code == 302
    assert verified["Location"] == "/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/survivors/").status_code == 200
    assert AuditEntry.objects.filter(action=Action.TWO_FACTOR_ENROLLED).count() == 1


def test_enrolled_user_types_the_code_without_a_qr(cast):
    device = TOTPDevice.objects.create(user=cast.case_worker, name="default", confirmed=True)
    client = password_login(cast.case_worker)
    page = client.get("/account/2fa/")
    assert "<svg" not in page.content.decode()
    assert "Type the 6-digit code" in page.content.decode()
    wrong = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"
    refused = client.post("/account/2fa/", {"token": wrong})
    assert refused.status_code == 200
    assert "That code is not right" in refused.content.decode()
    assert client.get("/survivors/").status_code == 302
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # django-otp slows down guessing
    device.throttle_reset()
    assert client.post("/account/2fa/", {"token": code_for(device)}).status_code == 302
    assert client.get("/survivors/").status_code == 200


def test_demo_mode_shows_the_current_code(cast, settings):
    settings.CTIP_DEMO_MODE = True
    device = TOTPDevice.objects.create(user=cast.case_worker, name="default", confirmed=True)
    body = password_login(cast.case_worker).get("/account/2fa/").content.decode()
    assert "Demo mode: the current code is" in body
    assert "Demo data" in body
    shown = body.split("the current code is ")[1][:6]
    assert shown in {code_for(device, -1), code_for(device), code_for(device, 1)}


def test_no_demo_code_outside_demo_mode(cast):
    TOTPDevice.objects.create(user=cast.case_worker, name="default", confirmed=True)
    body = password_login(cast.case_worker).get("/account/2fa/").content.decode()
    assert "Demo mode" not in body


def test_donor_needs_no_second_step(cast):
    client = password_login(cast.donor)
    assert client.get("/").status_code == 200


def test_lockout_after_five_failures(cast):
    client = Client()
    for _attempt in range(5):
        client.post("/account/login/", {"username": cast.case_worker.username, "password": "x"})
    response = client.post(
        "/account/login/", {"username": cast.case_worker.username, "password": PASSWORD}
    )
    assert response.status_code == 429
    body = response.content.decode()
    assert "Account locked" in body
    assert "wait 30 minutes" in body


def test_logout_is_a_post(cast, client_for):
    client = client_for(cast.case_worker)
    body = client.get("/").content.decode()
    assert 'action="/account/logout/" method="post"' in body
    response = client.post("/account/logout/")
    assert response.status_code == 302
    assert client.get("/survivors/").status_code == 302
    assert AuditEntry.objects.filter(action=Action.LOGOUT).count() == 1


def test_language_switch_to_thai(cast, client_for):
    client = client_for(cast.case_worker)
    response = client.post("/i18n/setlang/", {"language": "th", "next": "/survivors/"})
    assert response.status_code == 302
    body = client.get("/survivors/").content.decode()
    assert '<html lang="th">' in body
    assert "ผู้เสียหาย" in body  # "Survivors"
    assert "ออกจากระบบ" in body  # "Log out"


# --- audit log page ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role", ["case_worker", "supervisor", "me_officer", "programme_manager", "donor"]
)
def test_audit_log_is_404_for_everyone_but_sysadmins(role, cast, client_for):
    assert client_for(getattr(cast, role)).get("/audit/").status_code == 404


def test_audit_log_filters_and_paginates(cast, client_for, make_survivor):
    survivor = make_survivor()
    worker = client_for(cast.case_worker)
    for _visit in range(3):
        worker.get(f"/survivors/{survivor.code}/")
    admin = client_for(cast.sysadmin)
    response = admin.get("/audit/", {"action": "view", "actor": "anong"})
    assert response.status_code == 200
    page = response.context["page"]
    assert page.paginator.count == 3
    assert {e.object_ref for e in page.object_list} == {survivor.code}
    assert "3 entries" in response.content.decode()
    everything = admin.get("/audit/")
    assert everything.context["page"].paginator.count == AuditEntry.objects.count()
    assert "Somsri" not in everything.content.decode()


def test_after_two_factor_the_user_lands_on_the_page_asked_for(cast):
    device = TOTPDevice.objects.create(user=cast.case_worker, name="default", confirmed=True)
    client = password_login(cast.case_worker)
    asked = client.get("/survivors/?q=Somsri")
    assert asked.status_code == 302
    assert asked["Location"] == "/account/2fa/?next=%2Fsurvivors%2F"  # no search term carried
    done = client.post(asked["Location"], {"token": code_for(device)})
    assert done["Location"] == "/survivors/"


def test_two_factor_never_redirects_off_site(cast):
    device = TOTPDevice.objects.create(user=cast.case_worker, name="default", confirmed=True)
    client = password_login(cast.case_worker)
    done = client.post("/account/2fa/?next=https://evil.example/", {"token": code_for(device)})
    assert done["Location"] == "/"
