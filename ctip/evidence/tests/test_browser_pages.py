"""The evidence pages in Chromium, desktop and phone: nothing wider than the screen (the gap
map scrolls inside its own box), no Content-Security-Policy violations; screenshots land in
test-artifacts/ for a person to look at."""

import pytest
from django.conf import settings

from ctip.conftest import verified_client
from ctip.tests_browser.conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser

INTERVENTIONS = ["prevention", "identification", "shelter", "legal", "policy", "supply_chain"]
OWN = ".ev-matrix-wrap, header, .stack-table thead"  # scrolls in its box / base template / hidden
WIDEST = (
    "(width) => [...document.querySelectorAll('body *')]"
    f".filter((el) => el.getBoundingClientRect().right > width + 1 && !el.closest('{OWN}'))"
    ".map((el) => el.tagName + '.' + el.className).slice(0, 8)"
)
OUTCOMES = ["knowledge", "identification", "wellbeing", "prosecution", "labour_conditions"]


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_library_and_gap_map_fit_the_screen(
    transactional_db, live_server, browser, cast, make_study, appraise, artifacts, csp_errors, size
):
    studies = []
    for number in range(12):
        study = make_study(
            title=f"A study of recruitment and forced labour in fishing, number {number}",
            authors="Nguyen, T.; Smith, J.",
            countries=["TH", "KH", "MM"][: 1 + number % 3],
            sectors=["fishing", "construction", "domestic_work"][: 1 + number % 2],
            interventions=INTERVENTIONS[number % 6 : number % 6 + 2],
            outcomes=OUTCOMES[number % 5 : number % 5 + 1],
            design="qualitative",
        )
        if number % 3:
            appraise(study, not_yes={"1.3": "no"} if number % 2 else {})
        studies.append(study)
    viewport = DESKTOP if size == "desktop" else PHONE
    client = verified_client(cast.me_officer)
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
    page = csp_errors(context.new_page())
    pages = {
        "evidence-list": "/evidence/?country=TH",
        "evidence-map": "/evidence/map/",
        "evidence-map-countries": "/evidence/map/?view=countries",
        "evidence-study": f"/evidence/{studies[1].uuid}/",
        "evidence-appraise": f"/evidence/{studies[0].uuid}/appraise/?tool=casp",
    }
    for name, path in pages.items():
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        page.screenshot(path=str(artifacts / f"{name}-{size}.png"), full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        # Nothing of the page's own content is wider than the screen (the gap map scrolls in
        # its box; the site header is the base template's and is checked with it).
        assert page.evaluate(WIDEST, viewport["width"]) == [], path
        if size == "desktop":
            assert width <= viewport["width"], f"{path} is {width}px wide"
    # A cell of the map leads to its studies.
    page.goto(live_server.url + "/evidence/map/")
    page.locator("a.ev-total").first.click()
    page.wait_for_load_state()
    assert "/evidence/?intervention=" in page.url
    assert page.locator("table.ev-studies tbody tr").count() >= 1
    assert csp_errors.errors == []
    context.close()
