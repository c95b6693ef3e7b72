"""The standing test cast: one implementer, two country projects, partner NGOs, a government
provider, and one user per role; built per test (cheap on both databases), used everywhere."""

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from ctip.cases.services import survivor_register
from ctip.core.audit import Origin
from ctip.core.models import Organisation, Role, User
from ctip.core.services import organisation_create, user_create
from ctip.tests_browser import conftest as browser_settings

PASSWORD = "correct horse battery staple"  # noqa: S105
SYSTEM = Origin(user=None, source="tests")


@dataclass
class Cast:
    implementer: Organisation
    thailand: Organisation
    cambodia: Organisation
    ngo_a: Organisation  # Thai partner NGO
    ngo_b: Organisation  # another Thai partner NGO
    ngo_kh: Organisation  # Cambodian partner NGO
    site_a: Organisation  # a site of ngo_a
    gov_provider: Organisation
    case_worker: User  # ngo_a
    other_case_worker: User  # ngo_b
    supervisor: User  # ngo_a
    me_officer: User  # Thailand
    programme_manager: User  # Thailand
    pse_officer: User  # implementer
    donor: User  # implementer
    sysadmin: User  # implementer


def _org(code, name, kind, parent=None, **extra):
    return organisation_create(
        origin=SYSTEM, code=code, name=name, kind=kind, parent=parent, **extra
    )


def _user(username, role, org, **extra):
    return user_create(
        origin=SYSTEM,
        username=username,
        password=PASSWORD,
        role=role,
        organisation=org,
        first_name=username.title(),
        **extra,
    )


@pytest.fixture
def cast(db) -> Cast:
    implementer = _org("winrock", "Regional implementer", "implementer")
    thailand = _org("th", "Thailand project", "country_project", implementer, country="TH")
    cambodia = _org("kh", "Cambodia project", "country_project", implementer, country="KH")
    ngo_a = _org("th-ngo-a", "Friends Foundation", "partner", thailand)
    ngo_b = _org("th-ngo-b", "Hope Shelter", "partner", thailand)
    ngo_kh = _org("kh-ngo", "Phnom Penh Care", "partner", cambodia)
    site_a = _org("th-ngo-a-cm", "Friends Chiang Mai", "site", ngo_a)
    gov = _org(
        "th-dsdw", "Social Development Office", "provider", thailand, provider_type="government"
    )
    return Cast(
        implementer=implementer,
        thailand=thailand,
        cambodia=cambodia,
        ngo_a=ngo_a,
        ngo_b=ngo_b,
        ngo_kh=ngo_kh,
        site_a=site_a,
        gov_provider=gov,
        case_worker=_user("anong", Role.CASE_WORKER, ngo_a),
        other_case_worker=_user("bopha", Role.CASE_WORKER, ngo_b),
        supervisor=_user("chai", Role.CASE_SUPERVISOR, ngo_a),
        me_officer=_user("dara", Role.ME_OFFICER, thailand),
        programme_manager=_user("ekkachai", Role.PROGRAMME_MANAGER, thailand),
        pse_officer=_user("fon", Role.PSE_OFFICER, implementer),
        donor=_user("grace", Role.DONOR, implementer),
        sysadmin=_user("hari", Role.SYSADMIN, implementer),
    )


def verified_client(user: User) -> Client:
    """A client logged in as ``user`` who has passed TOTP, as after a real two-factor login."""
    client = Client()
    client.force_login(user)
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="default", defaults={"confirmed": True}
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def client_for():
    return verified_client


@pytest.fixture
def make_survivor(cast):
    """Register a survivor in ``cast.ngo_a`` (or another organisation) with known PII."""

    def make(org=None, **values):
        defaults = dict(
            organisation=org or cast.ngo_a,
            sex="female",
            birth_year=1998,
            nationality="MM",
            exploitation=["labour"],
            identified_on=dt.date(2026, 1, 15),
            given_name="Somsri",
            family_name="Kaewmanee",
            phone="+66 81 234 5678",
            case_worker=cast.case_worker if (org or cast.ngo_a) == cast.ngo_a else None,
        )
        defaults.update(values)
        return survivor_register(origin=SYSTEM, **defaults)

    return make


# --- browser tests (Playwright's sync API driving Debian's Chromium) -----------------------
# Session-wide and defined once here: a second sync_playwright() in the same worker fails.


@pytest.fixture(scope="session")
def browser():
    if not Path(browser_settings.CHROMIUM).exists():
        pytest.skip(f"{browser_settings.CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the ORM calls the tests make
    # between page actions are still plain synchronous calls, so Django may allow them.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=browser_settings.CHROMIUM, args=browser_settings.CHROMIUM_ARGS
            )
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def artifacts() -> Path:
    browser_settings.ARTIFACTS.mkdir(exist_ok=True)
    return browser_settings.ARTIFACTS


@pytest.fixture
def csp_errors():
    """Collects console messages about Content-Security-Policy violations of a page."""
    errors: list[str] = []

    def watch(page):
        page.on(
            "console",
            lambda message: (
                errors.append(message.text) if "Content Security Policy" in message.text else None
            ),
        )
        return page

    watch.errors = errors
    return watch
