"""The anonymous pages: no cookie of any kind, language from the address, the form's checks."""

import re

import pytest
from django.utils import timezone

from ctip.conftest import SYSTEM
from ctip.feedback import protection
from ctip.feedback.models import Feedback, FeedbackTheme, RateCounter
from ctip.feedback.services import channel_update
from ctip.feedback.tests.conftest import (
    anonymous,
    receipt_of,
    status,
    submit,
    submit_ok,
    token_of,
)

pytestmark = pytest.mark.django_db


def assert_no_cookie(response):
    assert "Set-Cookie" not in response.headers, response.headers.get("Set-Cookie")
    assert not response.cookies, dict(response.cookies)


def test_no_set_cookie_on_any_anonymous_page_or_response(channel, client_for, cast):
    client = anonymous()
    responses = [
        client.get("/f/friends"),
        client.get("/f/friends/"),
        client.get("/f/friends?lang=th"),
        client.head("/f/friends"),
        client.get("/f/friends/status"),
        client.get("/f/status"),
        client.get("/f/friends/poster"),
    ]
    sent = submit(client, channel, satisfaction="5", body="Good food")
    responses.append(sent)
    code = receipt_of(sent.content.decode())
    responses += [
        submit(client, channel),  # empty: an error page
        submit(client, channel, website="http://spam.example"),  # honeypot
        client.post("/f/friends", {"body": "no token"}),
        status(client, "/f/friends/status", code),
        status(client, "/f/friends/status", code, message="Thank you"),
        status(client, "/f/status", code),
        status(client, "/f/status", "1234 5678 9012 3456"),  # typo (check digit)
        status(client, "/f/status", "0000 0000 0000 0000"),  # well formed, unknown
    ]
    for response in responses:
        assert response.status_code in (200, 400), response.status_code
        assert_no_cookie(response)
        assert response.headers["Cache-Control"] == "no-store"
        assert "csrftoken" not in response.content.decode()
    # Not even for a logged-in member of staff, whose session cookie comes with the request.
    staff = client_for(cast.programme_manager)
    for response in (staff.get("/f/friends"), submit(staff, channel, body="From staff")):
        assert_no_cookie(response)


def test_the_form_speaks_the_language_of_the_address(channel):
    client = anonymous()
    thai = client.get("/f/friends?lang=th")
    html = thai.content.decode()
    assert thai.headers["Content-Language"] == "th"
    assert '<html lang="th">' in html
    assert "บอกเราว่าคุณคิดอย่างไร" in html
    # Machine-made translations say so on the form.
    assert "คำแปลนี้แปลด้วยเครื่อง" in html
    english = client.get("/f/friends?lang=en").content.decode()
    assert "Tell us what you think" in english
    assert "awaiting review" not in english
    # Without ?lang: the browser's preference among the channel's languages, else the first.
    burmese = client.get("/f/friends", HTTP_ACCEPT_LANGUAGE="my-MM,my;q=0.9,en;q=0.5")
    assert burmese.headers["Content-Language"] == "my"
    assert client.get("/f/friends").headers["Content-Language"] == "th"
    # A language the channel does not offer falls back to its first.
    assert client.get("/f/friends?lang=km").headers["Content-Language"] == "th"


def test_the_form_has_faces_warnings_and_large_targets_without_script(channel):
    html = anonymous().get("/f/friends?lang=en").content.decode()
    assert html.count('class="face-svg"') == 5
    assert html.count('name="satisfaction"') == 5
    assert "Please do not write your name" in html
    assert "no internet address, no cookies" in html
    assert "<script" not in html
    assert "<img" not in html
    assert 'name="website"' in html  # the honeypot
    assert len(html.encode()) < 20_000


def test_a_submission_stores_answers_themes_and_encrypted_text(channel):
    code = submit_ok(
        anonymous(),
        channel,
        lang="th",
        satisfaction="2",
        q_respect="no",
        q_safe="partly",
        themes=["shelter", "health"],
        body="ห้องพักร้อนมาก",
    )
    assert re.fullmatch(r"\d{4} \d{4} \d{4} \d{4}", code)
    item = Feedback.objects.get()
    assert item.channel == channel
    assert item.received_on == timezone.localdate()
    assert item.source == "online"
    assert item.language == "th"
    assert item.satisfaction == 2
    assert item.answers == {"respect": "no", "safe": "partly"}
    assert sorted(FeedbackTheme.objects.values_list("theme", flat=True)) == ["health", "shelter"]
    assert item.body == "ห้องพักร้อนมาก"
    assert item.status == "new" and item.awaiting_reply
    assert not item.safeguarding


def test_receipt_page_warns_and_points_to_the_status_page(channel):
    response = submit(anonymous(), channel, lang="en", body="Hello")
    html = response.content.decode()
    assert "It is shown only once" in html
    assert "http://testserver/f/friends/status?lang=en" in html


@pytest.mark.parametrize(
    "fields, expected",
    [
        ({}, "Please answer at least one question or write a message."),
        ({"body": "x" * 4001}, "The message is too long"),
        ({"body": "Hi", "website": "http://x.example"}, "Please leave the last field empty."),
        ({"satisfaction": "9"}, "Something in the form was not right."),
        ({"q_respect": "maybe"}, "Something in the form was not right."),
        ({"themes": ["project_design"]}, "Something in the form was not right."),
    ],
)
def test_bad_submissions_save_nothing_and_keep_what_was_typed(channel, fields, expected):
    response = submit(anonymous(), channel, lang="en", **fields)
    assert response.status_code == 400
    html = response.content.decode()
    assert expected in html
    assert Feedback.objects.count() == 0
    if fields.get("body") == "Hi":
        assert ">Hi</textarea>" in html


def test_token_is_required_and_bound_to_the_channel(channel, other_channel):
    client = anonymous()
    response = client.post("/f/friends", {"body": "no token", "lang": "en"})
    assert response.status_code == 400
    assert "Something in the form was not right." in response.content.decode()
    foreign = token_of(client.get("/f/pp-care").content.decode())
    response = client.post("/f/friends", {"body": "Hi", "lang": "en", "token": foreign})
    assert response.status_code == 400
    assert Feedback.objects.count() == 0
    # The page offers a fresh token, and the text is kept: sending again works.
    retry = token_of(response.content.decode())
    again = client.post("/f/friends", {"body": "Hi", "lang": "en", "token": retry})
    assert again.status_code == 200
    assert Feedback.objects.count() == 1


def test_minimum_fill_time(channel, settings):
    settings.CTIP_FEEDBACK_MIN_FILL_SECONDS = 30
    response = submit(anonymous(), channel, lang="en", body="Too quick")
    assert response.status_code == 400
    assert "That was very fast" in response.content.decode()
    assert Feedback.objects.count() == 0


def test_an_expired_token_asks_to_send_again(channel, monkeypatch):
    client = anonymous()
    token = token_of(client.get("/f/friends").content.decode())
    later = protection.time.time() + protection.TOKEN_MAX_AGE + 10
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)
    monkeypatch.setattr(protection.time, "time", lambda: later)
    response = client.post("/f/friends", {"body": "Late", "lang": "en", "token": token})
    assert response.status_code == 400
    assert "Nothing was lost: please press Send again." in response.content.decode()


def test_rate_limit_answers_politely_and_keeps_the_text(channel):
    channel_update(origin=SYSTEM, channel=channel, rate_limit_per_minute=2)
    client = anonymous()
    submit_ok(client, channel, body="one")
    submit_ok(client, channel, body="two")
    response = submit(client, channel, lang="en", body="three, my words")
    assert response.status_code == 429
    html = response.content.decode()
    assert "Many people are sending feedback right now. Nothing was saved yet." in html
    assert ">three, my words</textarea>" in html
    assert Feedback.objects.count() == 2
    assert RateCounter.objects.get().count == 2


def test_a_request_too_large_is_refused_politely(channel):
    client = anonymous()
    token = token_of(client.get("/f/friends").content.decode())
    response = client.post("/f/friends", {"body": "x" * 70_000, "lang": "en", "token": token})
    assert response.status_code == 413
    assert "What you sent is too large" in response.content.decode()
    assert Feedback.objects.count() == 0


def test_a_closed_channel_takes_no_feedback_but_shows_replies(channel):
    client = anonymous()
    code = submit_ok(client, channel, body="before closing")
    channel_update(origin=SYSTEM, channel=channel, is_open=False)
    assert "This form is closed" in client.get("/f/friends?lang=en").content.decode()
    response = client.post("/f/friends", {"body": "after", "lang": "en"})
    assert "This form is closed" in response.content.decode()
    assert "before closing" in status(client, "/f/friends/status", code).content.decode()


def test_unknown_channel_is_a_traceless_404(db):
    client = anonymous()
    for path in ("/f/nothing-here", "/f/nothing-here/status", "/f/nothing-here/poster"):
        response = client.get(path, HTTP_ACCEPT_LANGUAGE="th")
        assert response.status_code == 404
        assert "ที่อยู่นี้ไม่มีแบบฟอร์มความคิดเห็น" in response.content.decode()
        assert_no_cookie(response)
    response = client.post("/f/nothing-here", {"body": "x"})
    assert response.status_code == 404
    assert_no_cookie(response)


def test_poster_has_a_qr_code_and_the_short_address_in_each_language(channel):
    html = anonymous().get("/f/friends/poster?lang=en").content.decode()
    assert "<svg" in html and 'class="segno"' in html
    assert "testserver/f/friends" in html
    assert "Tell us what you think, anonymously" in html
    assert "บอกเราว่าคุณคิดอย่างไร โดยไม่ต้องระบุตัวตน" in html
    assert "သင့်အမြင်ကို အမည်မဖော်ဘဲ ပြောပြပါ" in html
