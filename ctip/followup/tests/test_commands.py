"""`ctip remind`, `ctip instruments`, `ctip cohort`."""

import datetime as dt
import json

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError

from ctip.core.models import AuditEntry
from ctip.followup.models import LoadedDefinition
from ctip.followup.tests.conftest import consent
from ctip.followup.tests.test_scoring import LICENSED_GHQ

D = dt.date


@pytest.fixture
def due(cast, make_survivor):
    """Survivors opened 2026-01-15 with consent; the first schedule is planned by `remind`."""
    a = make_survivor()
    consent(a)
    b = make_survivor(given_name="Other", phone="")  # no consent: never listed
    cast.case_worker.email = "anong@example.org"
    cast.case_worker.save()
    return a, b


def test_remind_plans_lists_and_emails(cast, due, capsys, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    a, b = due
    call_command("remind", "--today", "2026-02-20")
    out = capsys.readouterr().out
    assert "Housekeeping: 8 follow-ups planned for 1 survivors" in out
    assert "anong (Anong): 1 overdue, 0 due in the next 14 days" in out
    assert f"  2026-02-15  {a.code}  month 1  5 days overdue" in out
    assert b.code not in out
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["anong@example.org"]
    assert a.code in message.body and "Somsri" not in message.body  # codes only, never names
    entry = AuditEntry.objects.filter(object_type="followup_reminders").get()
    assert entry.detail == {"workers": 1, "followups": 1, "emailed": 1, "days": 14}


def test_remind_without_mail_configured_only_prints(cast, due, capsys, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "localhost"
    call_command("remind", "--today", "2026-04-10")
    out = capsys.readouterr().out
    assert "1 overdue, 1 due in the next 14 days" in out  # month 1 overdue, month 3 due 04-15
    assert len(mail.outbox) == 0


def test_remind_after_consent_withdrawal_lists_nothing(cast, due, capsys):
    a, _b = due
    call_command("remind", "--today", "2026-02-20", "--no-email")
    consent(a, given=False, on=D(2026, 2, 21))
    call_command("remind", "--today", "2026-02-22", "--no-email")
    out = capsys.readouterr().out.split("Housekeeping")[-1]
    assert "8 cancelled (consent withdrawn)" in out and "Nothing due." in out


def test_instruments_load_list_and_check(cast, tmp_path, capsys):
    path = tmp_path / "ghq12.json"
    path.write_text(json.dumps(LICENSED_GHQ), encoding="utf-8")
    call_command("instruments", "check", str(path))
    call_command("instruments", "load", str(path), "--org", "th-ngo-a")
    call_command("instruments", "list", "--org", "th-ngo-a")
    out = capsys.readouterr().out
    assert "OK: LicensedItems test-org-2026" in out
    assert "Loaded Licensed item wording ghq12 test-org-2026 for th-ngo-a." in out
    assert "ghq12_ghq      1988+test-org-2026" in out
    assert LoadedDefinition.objects.get().organisation == cast.ngo_a
    bad = tmp_path / "bad.json"
    bad.write_text('{"kind": "weights", "code": "reintegration"}', encoding="utf-8")
    with pytest.raises(CommandError, match="does not hold together"):
        call_command("instruments", "check", str(bad))


def test_cohort_draw_and_verify(cast, due, capsys):
    call_command("cohort", "draw", "--org", "th", "--name", "Test", "--size", "1", "--seed", "9",
                 "--as-of", "2026-02-01")  # fmt: skip
    call_command("cohort", "list")
    out = capsys.readouterr().out
    assert "drawn: 1 of 1 survivors, seed 9." in out
    cohort_id = int(out.split("Cohort ")[1].split(" ")[0])
    call_command("cohort", "verify", str(cohort_id))
    assert "Same members: yes." in capsys.readouterr().out
