"""The indicators page in headless Chromium at desktop and phone widths: screenshots into
test-artifacts/ for a person to look at; nothing wider than the screen; no CSP violations."""

import datetime as dt
import random

import pytest

from ctip.cases.models import StatedInterest
from ctip.tests_browser.conftest import DESKTOP, PHONE
from ctip.tests_browser.test_screenshots import assert_fits, logged_in_page, shoot

# A transactional test flushes the database afterwards; serialized_rollback restores what the
# migrations wrote (the service catalogue) first.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TYPES = ["shelter", "medical", "psychosocial", "legal_aid", "skills_training", "job_placement",
         "food", "transport"]  # fmt: skip
STATUSES = ["completed", "completed", "service_started", "declined", "not_reached", "sent"]


@pytest.fixture
def programme(cast, make_survivor, records):
    """A year of services: 40 survivors at two Thai partners and one Cambodian, episodes and
    referrals spread over 2026, one survivor with many episodes."""
    rng = random.Random(7)
    orgs = [cast.ngo_a, cast.ngo_a, cast.ngo_b, cast.site_a, cast.ngo_kh]
    providers = [cast.ngo_a, cast.gov_provider, cast.gov_provider, cast.ngo_b]
    for index in range(40):
        org = orgs[index % len(orgs)]
        survivor = make_survivor(
            org=org,
            sex=rng.choice(["female", "female", "male", "other"]),
            birth_year=rng.randrange(1975, 2014),
            nationality=rng.choice(["MM", "KH", "LA", "TH"]),
            exploitation=rng.sample(["labour", "sexual", "domestic", "begging"], rng.randint(1, 2)),
        )
        if index % 3 == 0:
            StatedInterest.objects.create(
                survivor=survivor, interest="skills_training", stated_on=dt.date(2025, 12, 1)
            )
        for _ in range(rng.randint(1, 5)):
            start = dt.date(2025, 4, 1) + dt.timedelta(days=rng.randrange(500))
            end = start + dt.timedelta(days=rng.randrange(10, 90))
            records.episode(
                survivor,
                rng.choice(TYPES),
                start.isoformat(),
                end.isoformat() if end < dt.date(2026, 11, 1) else None,
                provider=rng.choice(providers),
            )
        sent = dt.date(2025, 4, 1) + dt.timedelta(days=rng.randrange(500))
        status = rng.choice(STATUSES)
        started = sent + dt.timedelta(days=rng.randrange(1, 30))
        records.referral(
            survivor,
            status,
            sent.isoformat(),
            started.isoformat() if status in ("completed", "service_started") else None,
        )
        if index == 0:
            for day in range(17):
                records.episode(survivor, "psychosocial", f"2026-07-{day + 1:02d}")


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_indicators_page(live_server, browser, cast, programme, artifacts, csp_errors, size):
    viewport = DESKTOP if size == "desktop" else PHONE
    for user, name in ((cast.me_officer, "me"), (cast.donor, "donor")):
        context, page = logged_in_page(browser, live_server, user, viewport, csp_errors)
        response = page.goto(live_server.url + "/indicators/?period=2026-Q3")
        assert response.status == 200
        page.locator("#SRV-1 details.breakdown").first.locator("summary").click()
        page.locator("#SRV-1 details.definition summary").click()
        shoot(page, artifacts / f"indicators-{name}-{size}.png", viewport)
        # Close-ups a person can read: the first screen, and two cards.
        page.screenshot(path=str(artifacts / f"indicators-{name}-{size}-top.png"))
        for code in ("SRV-1", "SRV-3", "REF-1"):
            page.locator(f"#{code}").screenshot(
                path=str(artifacts / f"indicators-{name}-{size}-{code}.png")
            )
        assert_fits(page, viewport["width"])
        # Choosing another period reloads the report in place (htmx), and works.
        page.select_option("select[name=period]", "2026-Q2")
        page.wait_for_url("**period=2026-Q2**")
        assert "2026-Q2" in page.locator("#report").inner_text()
        context.close()
    assert csp_errors.errors == []
