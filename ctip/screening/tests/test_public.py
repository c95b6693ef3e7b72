"""The self-screen: no trace (no IP, no cookie, no user agent stored or logged), audio where a
voice exists, text only (and said so) where none does, the result's wording."""

import logging
import re

import pytest
from django.test import Client

from ctip.core.models import AuditEntry
from ctip.screening import audio
from ctip.screening.models import Screen
from ctip.screening.tests.conftest import CHILD, stored_bytes

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
TOKEN = re.compile(r'name="token" value="([^"]+)"')


def post_screen(client, code, answers, *, age="under_18", lang="en", **meta):
    page = client.get(f"/screen/{code}/?lang={lang}", **meta)
    token = TOKEN.search(page.content.decode()).group(1)
    data = {"token": token, "lang": lang, "age": age}
    data.update({f"q_{key}": value for key, value in answers.items()})
    return client.post(f"/screen/{code}/", data, **meta)


@pytest.mark.django_db(transaction=True)
def test_self_screen_stores_no_ip_sets_no_cookie_logs_nothing(cast, caplog):
    caplog.set_level(logging.DEBUG)
    audit_before = AuditEntry.objects.count()
    client = Client()
    response = post_screen(client, "th-ngo-a", CHILD, **TRACE)
    assert response.status_code == 200
    assert not response.cookies
    assert "Set-Cookie" not in str(response.serialize_headers())
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "no-referrer"
    assert not client.cookies
    screen = Screen.objects.get()
    assert (screen.channel, screen.consent, screen.screened_by) == ("self", "not_asked", None)
    assert screen.suggests_referral is True
    raw = stored_bytes()
    assert b"th-ngo-a" in raw  # really the database written to
    for secret in SECRETS:
        assert secret.encode() not in raw, secret
    assert AuditEntry.objects.count() == audit_before
    logged = "\n".join(f"{r.getMessage()} {r.args!r}" for r in caplog.records)
    for secret in SECRETS:
        assert secret not in logged, secret


def test_no_trace_strips_address_agent_referer_and_cookies_before_the_view():
    from django.http import HttpResponse
    from django.test import RequestFactory

    from ctip.screening import public

    captured = {}

    @public.no_trace
    def probe(request):
        captured.update(request.META)
        captured["cookies"] = dict(request.COOKIES)
        captured["user"] = request.user.is_authenticated
        return HttpResponse("ok")

    response = probe(RequestFactory().get("/screen/x/", HTTP_COOKIE="sessionid=abc", **TRACE))
    for key in ("REMOTE_ADDR", "HTTP_USER_AGENT", "HTTP_REFERER", "HTTP_X_FORWARDED_FOR"):
        assert key not in captured
    assert captured["cookies"] == {}
    assert captured["user"] is False
    assert not response.cookies


@pytest.mark.django_db
def test_result_wording_and_contact(cast):
    body = post_screen(Client(), "th-ngo-a", CHILD).content.decode()
    assert "refer for formal identification" in body
    assert "Friends Foundation" in body
    assert "victim" not in body.lower() and "trafficked" not in body.lower()
    body = post_screen(Client(), "th-ngo-a", {}, age="adult").content.decode()
    assert "do not suggest a referral for formal identification" in body


@pytest.mark.django_db
def test_expired_or_forged_token_saves_nothing(cast):
    response = Client().post("/screen/th-ngo-a/", {"token": "forged", "lang": "en", "age": "adult"})
    assert response.status_code == 400
    assert Screen.objects.count() == 0


@pytest.mark.django_db
def test_only_partners_and_sites_have_a_self_screen(cast):
    assert Client().get("/screen/th/").status_code == 404
    assert Client().get("/screen/nope/").status_code == 404
    assert Client().get("/screen/th-ngo-a-cm/").status_code == 200


@pytest.mark.django_db
def test_audio_where_a_voice_exists_text_only_where_none(cast, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    # No files yet: every language says text only.
    body = Client().get("/screen/th-ngo-a/?lang=th").content.decode()
    assert 'id="audio-none"' in body and "<audio" not in body
    for clip in audio.clip_ids():
        path = audio.clip_path("th", clip)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"RIFF0000WAVEfmt ")
    body = Client().get("/screen/th-ngo-a/?lang=th").content.decode()
    assert body.count("<audio") == len(audio.clip_ids())
    assert 'id="audio-none"' not in body
    response = Client().get("/screen/audio/th/act_moved.wav")
    assert response.status_code == 200 and response["Content-Type"] == "audio/wav"
    assert not response.cookies
    assert Client().get("/screen/audio/km/act_moved.wav").status_code == 404
    assert Client().get("/screen/audio/th/../secret.wav").status_code == 404
    # Khmer has no espeak-ng voice: text only, and the page says so in Khmer.
    body = Client().get("/screen/th-ngo-a/?lang=km").content.decode()
    assert 'id="audio-none"' in body and 'lang="km"' in body
    assert audio.has_voice("km") is False and audio.has_voice("lo") is False


@pytest.mark.skipif(audio.espeak_binary() is None, reason="espeak-ng is not installed")
def test_ctip_screening_audio_speaks_every_clip(settings, tmp_path):
    from django.core.management import call_command

    settings.DATA_DIR = tmp_path
    call_command("screening", "audio", "--lang", "en", "--lang", "lo")
    assert audio.audio_ready("en") is True
    assert audio.audio_ready("lo") is False
    header = audio.clip_path("en", "act_moved").read_bytes()[:12]
    assert header.startswith(b"RIFF") and header[8:12] == b"WAVE"
    reports = audio.audio_generate(languages=("en",))
    assert (reports[0].written, reports[0].kept) == (0, len(audio.clip_ids()))


def test_a_half_signed_in_staff_session_does_not_stand_in_the_way(cast):
    """A staff member signed in with a password but not yet through two-factor (a shared phone)
    does not turn the self-screen into the 2FA page; staff pages still ask for it."""
    client = Client()
    client.force_login(cast.case_worker)
    response = client.get(f"/screen/{cast.ngo_a.code}/?lang=en")
    assert response.status_code == 200 and 'name="token"' in response.content.decode()
    assert client.get("/screening/").status_code == 302
