"""No trace: after a submission, no table and no log holds the sender's address, user agent,
referer or the receipt code itself; submission rows hold a day, never a time."""

import logging

import pytest
from django.apps import apps
from django.db import models

from ctip.core.models import AuditEntry
from ctip.feedback import receipts
from ctip.feedback.models import Feedback, FeedbackMessage, FeedbackTheme, PaperSheet
from ctip.feedback.tests.conftest import anonymous, receipt_of, status, stored_bytes, token_of

IP = "203.0.113.77"
FORWARDED = "198.51.100.23"
AGENT = "TraceMe/9.9 (Linux; Android 4.4; Cheapphone-X1) UniqueAgent"
REFERER = "https://referrer.example/secret-page"
TRACE = {
    "REMOTE_ADDR": IP,
    "HTTP_USER_AGENT": AGENT,
    "HTTP_REFERER": REFERER,
    "HTTP_X_FORWARDED_FOR": FORWARDED,
}
SECRETS = [IP, FORWARDED, AGENT, "UniqueAgent", "Cheapphone", REFERER, "referrer.example"]


@pytest.mark.django_db(transaction=True)
def test_no_ip_or_user_agent_in_any_table_or_log_after_a_submission(channel, caplog):
    caplog.set_level(logging.DEBUG)
    audit_before = AuditEntry.objects.count()
    client = anonymous()
    page = client.get("/f/friends?lang=en", **TRACE)
    response = client.post(
        "/f/friends",
        {
            "token": token_of(page.content.decode()),
            "lang": "en",
            "body": "The cook shouts at us Plaintextmarker",
            "themes": ["respect"],
        },
        **TRACE,
    )
    assert response.status_code == 200
    code = receipt_of(response.content.decode())
    reply = status(anonymous(), "/f/friends/status", code, message="Writing back Secondmarker")
    assert reply.status_code == 200
    # A wrong code too (it goes through the not-found path and its logging).
    status(anonymous(), "/f/status", "1234 5678 9012 3456")

    raw = stored_bytes()
    assert b"friends" in raw  # the file is really the one written to
    for secret in SECRETS:
        assert secret.encode() not in raw, secret
    # Free text is encrypted; the receipt code is not stored, in any form, only its hash.
    assert b"Plaintextmarker" not in raw
    assert b"Secondmarker" not in raw
    digits = code.replace(" ", "")
    assert digits.encode() not in raw
    assert code.encode() not in raw
    assert Feedback.objects.get().receipt_hash.encode() in raw
    assert Feedback.objects.get().receipt_hash == receipts.code_hash(digits)
    # Anonymous acts write no audit entry (it would carry an exact time).
    assert AuditEntry.objects.count() == audit_before

    logged = "\n".join(
        f"{record.name} {record.levelname} {record.getMessage()} {record.args!r}"
        for record in caplog.records
    )
    for secret in SECRETS + [digits, code]:
        assert secret not in logged, secret


def test_rows_a_sender_creates_hold_a_day_never_a_time():
    for model in (Feedback, FeedbackTheme, FeedbackMessage, PaperSheet):
        kinds = {type(field) for field in model._meta.concrete_fields}
        assert models.DateTimeField not in kinds, model
        # A random primary key: ids do not tell who wrote first.
        assert isinstance(model._meta.pk, models.BigIntegerField)
        assert not isinstance(model._meta.pk, models.BigAutoField)


def test_no_feedback_model_has_a_field_for_an_address_or_agent():
    suspicious = {"ip", "addr", "address", "agent", "ua", "referer", "referrer", "cookie"}
    suspicious |= {"session", "device", "host", "forwarded"}
    for model in apps.get_app_config("feedback").get_models():
        for field in model._meta.concrete_fields:
            assert not set(field.name.lower().split("_")) & suspicious, (model, field)


@pytest.mark.django_db
def test_the_view_never_sees_the_address(channel, monkeypatch):
    seen = {}
    from ctip.feedback.views import public

    original = public._form_context

    def spy(request, *args, **kwargs):
        seen.update(request.META)
        seen["cookies"] = dict(request.COOKIES)
        return original(request, *args, **kwargs)

    monkeypatch.setattr(public, "_form_context", spy)
    anonymous().get("/f/friends", HTTP_COOKIE="sessionid=abc; csrftoken=def", **TRACE)
    for key in ("REMOTE_ADDR", "HTTP_USER_AGENT", "HTTP_REFERER", "HTTP_X_FORWARDED_FOR"):
        assert key not in seen
    assert seen["cookies"] == {}
