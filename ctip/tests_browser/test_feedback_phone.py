"""The issue's walk-through on a phone (390×844) in Thai: open the form, answer with the faces,
send, read the receipt code, then read the reply with it. No cookie at any step."""

import pytest
from playwright.sync_api import expect

from ctip.conftest import SYSTEM
from ctip.core.audit import Origin
from ctip.feedback.models import Feedback
from ctip.feedback.services import channel_create, feedback_reply
from ctip.tests_browser.conftest import PHONE

pytestmark = pytest.mark.browser


def test_thai_phone_sends_feedback_and_reads_the_reply(
    transactional_db, live_server, browser, cast, artifacts, csp_errors, settings
):
    settings.CTIP_FEEDBACK_MIN_FILL_SECONDS = 1
    channel_create(
        origin=SYSTEM,
        organisation=cast.ngo_a,
        slug="friends",
        name="มูลนิธิเพื่อนช่วยเพื่อน",
        audience="beneficiaries",
        languages=["th", "en", "my"],
    )
    context = browser.new_context(
        viewport=PHONE, locale="th-TH", device_scale_factor=1, is_mobile=True, has_touch=True
    )
    page = csp_errors(context.new_page())
    page.set_default_timeout(15_000)

    response = page.goto(f"{live_server.url}/f/friends")
    assert response.status == 200
    assert "set-cookie" not in response.headers
    assert page.locator("html").get_attribute("lang") == "th"
    expect(page.locator("h1")).to_have_text("บอกเราว่าคุณคิดอย่างไร")
    expect(page.locator(".mt-note")).to_be_visible()  # machine-made translation, flagged
    page.screenshot(path=str(artifacts / "feedback-form-th-phone.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # Touch targets are at least 44 px high.
    face = page.locator("label.face").nth(3)
    assert face.bounding_box()["height"] >= 44
    face.tap()
    page.locator("label.pill", has_text="ใช่").first.tap()
    page.locator("label.check", has_text="สุขภาพและการให้คำปรึกษา").tap()
    page.fill("#fb-body", "หมอใจดีมาก แต่ต้องรอนาน")
    page.wait_for_timeout(1100)  # a person takes longer than the minimum fill time
    page.locator("button.send").tap()

    code_box = page.locator("#receipt-code")
    expect(code_box).to_be_visible()
    code = code_box.inner_text().strip()
    assert len(code) == 19 and code.replace(" ", "").isdigit()
    expect(page.locator("h1")).to_have_text("ขอบคุณ ความคิดเห็นของคุณถูกส่งแล้ว")
    expect(page.locator(".warn-box")).to_contain_text("รหัสจะแสดงเพียงครั้งเดียว")
    page.screenshot(path=str(artifacts / "feedback-receipt-th-phone.png"), full_page=True)

    item = Feedback.objects.get()
    assert (item.language, item.satisfaction, item.body) == ("th", 4, "หมอใจดีมาก แต่ต้องรอนาน")
    assert item.answers == {"respect": "yes"}
    feedback_reply(
        origin=Origin(user=cast.programme_manager, source="tests"),
        feedback=item,
        body="ขอบคุณค่ะ เราเพิ่มเจ้าหน้าที่ช่วงเช้าแล้ว",
    )

    page.locator(".address a").tap()
    page.fill("#fb-code", code)
    page.locator("button.send").tap()
    expect(page.locator(".msg.team")).to_contain_text("เราเพิ่มเจ้าหน้าที่ช่วงเช้าแล้ว")
    expect(page.locator(".status")).to_have_text("ทีมงานอ่านแล้ว")
    page.screenshot(path=str(artifacts / "feedback-conversation-th-phone.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    assert context.cookies() == []
    assert csp_errors.errors == []
    context.close()
