"""The status page: a sender reads replies and writes back with the receipt code; a wrong code
reveals nothing (the same page after the same work as a code never issued)."""

import re
import statistics
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ctip.conftest import SYSTEM
from ctip.feedback import receipts
from ctip.feedback.models import Feedback, FeedbackMessage
from ctip.feedback.services import feedback_mark_spam, feedback_reply
from ctip.feedback.tests.conftest import anonymous, status, submit_ok

pytestmark = pytest.mark.django_db

TOKEN_VALUE = re.compile(r'name="token" value="[^"]+"')


def page_without_token(response) -> str:
    return TOKEN_VALUE.sub('name="token" value=""', response.content.decode())


def unissued_code() -> str:
    while True:
        code = receipts.code_new()
        if not Feedback.objects.filter(receipt_hash=receipts.code_hash(code)).exists():
            return receipts.code_grouped(code)


def test_sender_reads_the_reply_and_writes_back(channel, cast, client_for):
    sender = anonymous()
    code = submit_ok(sender, channel, lang="th", satisfaction="2", body="น้ำไม่พอ")
    item = Feedback.objects.get()

    page = status(sender, "/f/friends/status", code, lang="th").content.decode()
    assert "น้ำไม่พอ" in page
    assert "ได้รับแล้ว ยังไม่ได้อ่าน" in page  # status: received, not yet read

    feedback_reply(
        origin=SYSTEM.__class__(user=cast.programme_manager, source="tests"),
        feedback=item,
        body="เราเพิ่มถังน้ำแล้วค่ะ",
        close=True,
    )
    page = status(sender, "/f/friends/status", code, lang="th").content.decode()
    assert "เราเพิ่มถังน้ำแล้วค่ะ" in page
    assert "ตอบแล้วและปิดเรื่อง" in page  # answered and closed

    # Writing back, with spaces typed differently, from the channel-independent page.
    response = status(anonymous(), "/f/status", code.replace(" ", ""), message="ขอบคุณ ยังมีปัญหาห้องน้ำ")
    assert response.status_code == 200
    page = response.content.decode()
    assert "เพิ่มข้อความของคุณแล้ว" not in page  # English page (no ?lang on /f/status post)
    assert "Your message was added." in page
    assert "ขอบคุณ ยังมีปัญหาห้องน้ำ" in page
    item.refresh_from_db()
    assert item.status == "in_progress" and item.closed_on is None  # the sender reopened it
    assert item.awaiting_reply
    kinds = list(FeedbackMessage.objects.order_by("seq").values_list("author_kind", "seq"))
    assert kinds == [("staff", 1), ("sender", 2)]
    sender_message = FeedbackMessage.objects.get(author_kind="sender")
    assert sender_message.author is None

    # Staff see the message on the item.
    detail = client_for(cast.programme_manager).get(f"/feedback/{item.uuid}/")
    assert "ขอบคุณ ยังมีปัญหาห้องน้ำ" in detail.content.decode()


def test_wrong_code_reveals_nothing(channel, other_channel):
    other_code = submit_ok(anonymous(), other_channel, body="Somewhere else")
    never_issued = unissued_code()
    client = anonymous()
    # A code of another channel, a code never issued, and a spam item's code: one page.
    spam_code = submit_ok(anonymous(), channel, body="Buy pills")
    feedback_mark_spam(origin=SYSTEM, feedback=Feedback.objects.get(channel=channel), spam=True)
    pages = [
        page_without_token(status(client, "/f/friends/status", code))
        for code in (other_code, never_issued, spam_code)
    ]
    assert pages[0] == pages[1] == pages[2]
    assert "We found no feedback with this code." in pages[0]
    assert "Somewhere else" not in pages[0]


def test_wrong_and_unknown_codes_cost_the_same_work_and_time(channel, other_channel, monkeypatch):
    other_code = submit_ok(anonymous(), other_channel, body="Somewhere else")
    never_issued = unissued_code()
    calls = []
    original = receipts._scrypt
    monkeypatch.setattr(
        receipts, "_scrypt", lambda code, pepper: calls.append(code) or original(code, pepper)
    )
    client = anonymous()

    def run(code):
        page = client.get("/f/friends/status")
        token = re.search(r'name="token" value="([^"]+)"', page.content.decode()).group(1)
        calls.clear()
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            client.post("/f/friends/status", {"token": token, "code": code, "lang": "en"})
            seconds = time.perf_counter() - started
        shapes = [re.sub(r"'[0-9a-f]{64}'|\d+", "?", q["sql"]) for q in queries.captured_queries]
        return len(calls), shapes, seconds

    run(never_issued)  # warm up (the minute's rate counter row is created once)
    # Interleaved, so both kinds meet the same load from whatever else the machine runs.
    pairs = [(run(other_code), run(never_issued)) for _n in range(9)]
    wrong = [w for w, _u in pairs]
    unknown = [u for _w, u in pairs]
    # The same hashing and the same SQL, statement for statement.
    assert {w[0] for w in wrong} == {u[0] for u in unknown} == {1}
    assert wrong[0][1] == unknown[0][1]
    # And comparable time (medians; a loose bound, this machine runs other work too).
    wrong_median = statistics.median(w[2] for w in wrong)
    unknown_median = statistics.median(u[2] for u in unknown)
    assert abs(wrong_median - unknown_median) < max(0.5 * min(wrong_median, unknown_median), 0.02)


def test_a_typo_is_caught_by_the_check_digit_without_a_lookup(channel, monkeypatch):
    code = submit_ok(anonymous(), channel, body="Hello").replace(" ", "")
    typo = code[:3] + str((int(code[3]) + 1) % 10) + code[4:]
    monkeypatch.setattr(receipts, "_scrypt", lambda *a: pytest.fail("no hash for a typo"))
    response = status(anonymous(), "/f/friends/status", typo)
    assert response.status_code == 400
    assert "This code has a typing mistake." in response.content.decode()


def test_status_lookups_are_rate_limited(channel, settings):
    settings.CTIP_FEEDBACK_STATUS_PER_MINUTE = 2
    client = anonymous()
    for _n in range(2):
        assert (
            "We found no feedback" in status(client, "/f/status", unissued_code()).content.decode()
        )
    response = status(client, "/f/status", unissued_code())
    assert response.status_code == 429
    assert "Please try again in a minute" in response.content.decode()


def test_write_back_checks_size(channel):
    code = submit_ok(anonymous(), channel, body="Hello")
    response = status(anonymous(), "/f/friends/status", code, message="x" * 4001)
    assert "The message is too long" in response.content.decode()
    assert FeedbackMessage.objects.count() == 0
