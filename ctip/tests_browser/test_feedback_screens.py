"""Screenshots of the feedback pages (anonymous and staff) at desktop and phone widths, for a
person to look at; the checks: nothing wider than the screen, no CSP violation, no cookie on the
anonymous pages."""

import pytest

from ctip.conftest import SYSTEM
from ctip.core.audit import Origin
from ctip.feedback.services import (
    action_create,
    channel_create,
    feedback_note_add,
    feedback_reply,
    feedback_submit,
    paper_sheets_print,
)
from ctip.tests_browser.conftest import DESKTOP, PHONE
from ctip.tests_browser.test_screenshots import assert_fits, logged_in_page, shoot

pytestmark = pytest.mark.browser


@pytest.fixture
def feedback_data(cast):
    channel = channel_create(
        origin=SYSTEM,
        organisation=cast.ngo_a,
        slug="friends",
        name="Friends Foundation feedback",
        audience="beneficiaries",
        languages=["en", "th", "my", "km"],
    )
    pm = Origin(user=cast.programme_manager, source="tests")
    items = []
    bodies = [
        ("th", "ห้องพักร้อนมาก พัดลมเสีย", ["shelter"], 2),
        ("en", "The counsellor was kind but sessions are too short.", ["health"], 4),
        ("my", "ဘာသာပြန်သူ မရှိပါ", ["health", "information"], 1),
        ("en", "", ["livelihood"], 5),
        ("th", "ขอบคุณที่ช่วยเรื่องเอกสาร", ["legal"], 5),
        ("en", "Nobody told me my case went to the police.", ["information"], 2),
    ]
    for language, body, themes, score in bodies:
        items.append(
            feedback_submit(
                channel=channel, language=language, body=body, themes=themes, satisfaction=score
            ).feedback
        )
    feedback_reply(origin=pm, feedback=items[1], body="Sessions are now 50 minutes.", close=True)
    feedback_note_add(origin=pm, feedback=items[1], body="Discussed with the clinic.")
    action_create(
        origin=pm,
        organisation=cast.ngo_a,
        title="Longer counselling sessions",
        kind="service_change",
        taken_on=items[1].received_on,
        feedback=[items[1]],
    )
    paper_sheets_print(origin=pm, channel=channel, count=2, language="en")
    return channel, items


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_feedback_pages(
    transactional_db, live_server, browser, cast, feedback_data, artifacts, csp_errors, size
):
    viewport = DESKTOP if size == "desktop" else PHONE
    channel, items = feedback_data
    public = browser.new_context(viewport=viewport, device_scale_factor=1)
    page = csp_errors(public.new_page())
    for name, path in {
        "form": "/f/friends?lang=en",
        "form-km": "/f/friends?lang=km",
        "status": "/f/friends/status?lang=en",
        "poster": "/f/friends/poster?lang=en",
    }.items():
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        assert "set-cookie" not in response.headers
        shoot(page, artifacts / f"feedback-{name}-{size}.png", viewport)
        assert_fits(page, viewport["width"])
    assert public.cookies() == []
    public.close()

    context, page = logged_in_page(
        browser, live_server, cast.programme_manager, viewport, csp_errors
    )
    for name, path in {
        "list": "/feedback/",
        "detail": f"/feedback/{items[1].uuid}/",
        "dashboard": "/feedback/dashboard/",
        "channel": f"/feedback/channels/{channel.slug}/",
        "changes": "/feedback/changes/",
        "paper": "/feedback/paper/",
    }.items():
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        shoot(page, artifacts / f"feedback-staff-{name}-{size}.png", viewport)
        assert_fits(page, viewport["width"])
    page.goto(live_server.url + f"/feedback/channels/{channel.slug}/")
    page.fill("#id_count", "2")
    page.click("text=Make sheets to print")
    page.wait_for_selector(".sheet")
    shoot(page, artifacts / f"feedback-staff-sheets-{size}.png", viewport)
    page.emulate_media(media="print")
    page.pdf(path=str(artifacts / "feedback-sheets.pdf")) if size == "desktop" else None
    assert csp_errors.errors == []
    context.close()
