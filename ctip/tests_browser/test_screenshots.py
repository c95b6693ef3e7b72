"""Screenshots of the main pages at desktop and phone widths, for a person to look at.

They land in test-artifacts/ (git-ignored). The assertions check what breaks layouts most often:
nothing wider than the screen on a phone, and no Content-Security-Policy violations.
"""

import datetime as dt

import pytest
from django.conf import settings

from ctip.cases.services import consent_record, need_assess
from ctip.conftest import SYSTEM, verified_client
from ctip.tests_browser.conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser

NAMES = [
    ("Somsri", "Kaewmanee", "female", 1998),
    ("Aung", "Min", "male", 2001),
    ("Mya", "Thandar", "female", 2004),
    ("Sokha", "Chan", "female", 1995),
    ("Thida", "Win", "female", 2007),
    ("Kyaw", "Zaw", "male", 1990),
]


@pytest.fixture
def caseload(cast, make_survivor):
    survivors = []
    for index in range(30):
        given, family, sex, year = NAMES[index % len(NAMES)]
        at_site = index % 4 == 0
        survivor = make_survivor(
            org=cast.site_a if at_site else cast.ngo_a,
            given_name=given,
            family_name=f"{family} {index}",
            sex=sex,
            birth_year=year,
            phone=f"+66 81 {index:03d} {index:04d}",
            exploitation=["labour", "domestic"] if index % 3 else ["sexual"],
            identified_on=dt.date(2026, 1, 1) + dt.timedelta(days=index),
            case_worker=None if at_site else (cast.case_worker if index % 2 else cast.supervisor),
        )
        survivors.append(survivor)
    first = survivors[-1]
    for purpose in ("data_processing", "referral"):
        consent_record(
            origin=SYSTEM,
            survivor=first,
            purpose=purpose,
            given=True,
            decided_on=dt.date(2026, 2, 1),
        )
    consent_record(
        origin=SYSTEM,
        survivor=first,
        purpose="data_sharing",
        given=False,
        decided_on=dt.date(2026, 2, 2),
        note="Does not want the embassy to know.",
    )
    need_assess(origin=SYSTEM, survivor=first, category="shelter", assessed_on=dt.date(2026, 2, 1))
    need_assess(
        origin=SYSTEM,
        survivor=first,
        category="legal",
        assessed_on=dt.date(2026, 2, 3),
        notes="Wage claim against the employer.",
    )
    return survivors


def logged_in_page(browser, live_server, user, viewport, csp_errors):
    client = verified_client(user)
    context = browser.new_context(viewport=viewport, device_scale_factor=1)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    return context, csp_errors(context.new_page())


def shoot(page, path, viewport):
    """The whole page on a desktop; the first two screens on a phone (what a person sees)."""
    if viewport["width"] < 600:
        height = min(page.evaluate("document.documentElement.scrollHeight"), 2 * viewport["height"])
        clip = {"x": 0, "y": 0, "width": viewport["width"], "height": height}
        page.screenshot(path=str(path), full_page=True, clip=clip)
    else:
        page.screenshot(path=str(path), full_page=True)


def assert_fits(page, width):
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{page.url} is {scroll_width}px wide"


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_case_worker_pages(
    transactional_db, live_server, browser, cast, caseload, artifacts, csp_errors, size
):
    viewport = DESKTOP if size == "desktop" else PHONE
    context, page = logged_in_page(browser, live_server, cast.case_worker, viewport, csp_errors)
    code = caseload[-1].code
    pages = {
        "home": "/",
        "list": "/survivors/",
        "survivor": f"/survivors/{code}/",
        "register": "/survivors/new/",
        "consent": f"/survivors/{code}/consents/new/",
    }
    for name, path in pages.items():
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        shoot(page, artifacts / f"{name}-{size}.png", viewport)
        assert_fits(page, viewport["width"])
    # The same pages in Thai: longer words must not break the layout either.
    context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "th", "url": live_server.url}]
    )
    for name in ("list", "survivor"):
        response = page.goto(live_server.url + pages[name])
        assert response.status == 200
        assert page.locator("html").get_attribute("lang") == "th"
        shoot(page, artifacts / f"{name}-th-{size}.png", viewport)
        assert_fits(page, viewport["width"])
    assert csp_errors.errors == []
    context.close()


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_other_roles_pages(
    transactional_db, live_server, browser, cast, caseload, artifacts, csp_errors, size
):
    viewport = DESKTOP if size == "desktop" else PHONE
    code = caseload[-1].code
    shots = [
        (cast.donor, "/", "donor-home"),
        (cast.me_officer, f"/survivors/{code}/", "me-survivor"),
        (cast.sysadmin, "/audit/", "audit-log"),
    ]
    for user, path, name in shots:
        context, page = logged_in_page(browser, live_server, user, viewport, csp_errors)
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        shoot(page, artifacts / f"{name}-{size}.png", viewport)
        assert_fits(page, viewport["width"])
        context.close()
    context = browser.new_context(viewport=viewport)
    page = csp_errors(context.new_page())
    assert page.goto(live_server.url + "/account/login/").status == 200
    shoot(page, artifacts / f"login-{size}.png", viewport)
    assert_fits(page, viewport["width"])
    context.close()
    assert csp_errors.errors == []
