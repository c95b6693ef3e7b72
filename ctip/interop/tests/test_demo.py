"""The demo data builder and the `demo` / `serve` commands (serving itself is replaced by a stub:
no gunicorn in the test suite)."""

import datetime as dt
import os
import socket
import subprocess
import sys
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django_otp.plugins.otp_totp.models import TOTPDevice

from ctip.cases.models import (
    CaseEvent,
    CaseStatus,
    Consent,
    Exploitation,
    LivelihoodInterest,
    Need,
    NeedCategory,
    StatedInterest,
    Survivor,
)
from ctip.cases.selectors import SurvivorFilters, survivor_get, survivor_list
from ctip.core.audit import Action, audit_verify
from ctip.core.models import AuditEntry, Organisation, OrganisationKind, Role, User
from ctip.core.services import organisation_create
from ctip.interop import demo
from ctip.interop.demo import (
    DEMO_PASSWORD,
    DEMO_USERS,
    NAMES,
    build_demo,
    demo_logins,
    phone_number,
    plan_demo,
)
from ctip.interop.management.commands import demo as demo_command
from ctip.interop.management.commands import serve as serve_command

TODAY = dt.date(2026, 3, 31)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- the plan (no database) -----------------------------------------------------------------


def test_plan_is_deterministic_for_a_seed():
    assert plan_demo(300, today=TODAY) == plan_demo(300, today=TODAY)
    assert plan_demo(300, today=TODAY) != plan_demo(300, seed=7, today=TODAY)


def test_plan_distributions_are_plausible():
    plan = plan_demo(1800, today=TODAY)
    sexes = Counter(p.sex for p in plan)
    assert 0.5 < sexes["female"] / len(plan) < 0.65
    assert sexes["male"] > 600
    assert set(Counter(p.nationality for p in plan)) == {"MM", "KH", "LA", "NP", "TH", "BD", "VN"}
    forms = Counter(form for p in plan for form in p.exploitation)
    assert set(forms) == {
        "labour",
        "sexual",
        "domestic",
        "forced_marriage",
        "begging",
        "criminality",
    }
    assert set(forms) <= set(Exploitation.values)
    ages = [p.identified_on.year - p.birth_year for p in plan]
    minors = sum(age < 18 for age in ages)
    assert 0.05 < minors / len(plan) < 0.2
    assert min(ages) >= 5 and max(ages) <= 56
    assert min(p.identified_on for p in plan) >= TODAY - dt.timedelta(days=3 * 365)
    assert max(p.identified_on for p in plan) <= TODAY
    closed = [p for p in plan if p.status == CaseStatus.CLOSED]
    assert 0.2 < len(closed) / len(plan) < 0.5
    assert all(p.closed_reason and p.opened_on <= p.closed_on <= TODAY for p in closed)
    assert all(1 <= len(p.needs) <= 4 for p in plan)
    assert {c for p in plan for c, _on, _st in p.needs} <= set(NeedCategory.values)
    processing = Counter(
        given for p in plan for purpose, given, _on in p.consents if purpose == "data_processing"
    )
    assert processing[True] / len(plan) > 0.9
    assert processing[False] > 0  # some refused or withdrew
    stated = [p for p in plan if p.interests]
    assert 0.5 < len(stated) / len(plan) < 0.75
    assert {i for p in stated for i, _on, _d in p.interests} <= set(LivelihoodInterest.values)
    # A person who refused data processing at intake has no PII recorded at all.
    for person in plan:
        first = [
            given
            for purpose, given, on in person.consents
            if purpose == "data_processing" and on == person.opened_on
        ]
        if not first or first[0] is False:
            assert (person.given_name, person.phone, person.address) == ("", "", "")


def test_every_partner_country_has_partners_and_a_government_provider():
    by_code = {spec.code: spec for spec in demo.ORGANISATIONS}
    partners = [s for s in demo.ORGANISATIONS if s.kind == OrganisationKind.PARTNER]
    assert len(partners) >= 8
    for country in ("th", "kh", "np"):
        assert sum(p.parent == country for p in partners) >= 2
        assert any(
            s.provider_type == "government" and s.parent == country for s in demo.ORGANISATIONS
        )
    assert set(demo.PARTNERS) == {p.code for p in partners}
    for profile in demo.PARTNERS.values():
        assert all(by_code[code].kind == OrganisationKind.PROVIDER for code in profile.identifiers)


@pytest.mark.parametrize("country", ["TH", "KH", "NP", "MM", "LA", "BD", "VN"])
def test_phone_numbers_are_found_in_either_spelling(country):
    import random

    from ctip.core.crypto import PHONE_MATCH_DIGITS, normalise_phone

    rng = random.Random(1)  # noqa: S311
    for _n in range(50):
        number = phone_number(rng, country)
        digits = "".join(ch for ch in number if ch.isdigit())
        assert len(digits.lstrip("0")) >= PHONE_MATCH_DIGITS, number
        assert len(normalise_phone(number)) == PHONE_MATCH_DIGITS, number


def test_name_lists_are_full():
    for country, (female, male, family) in NAMES.items():
        assert len(female) == 15 and len(male) == 15, country
        assert len(family) == 30, country


# --- building it ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_build_demo_creates_the_cast_the_tree_and_survivors():
    summary = build_demo(survivors=60)

    roles = dict(
        User.objects.filter(username__in=[u.username for u in DEMO_USERS]).values_list(
            "username", "role"
        )
    )
    assert set(roles.values()) == set(Role.values)
    assert roles["caseworker"] == roles["caseworker2"] == Role.CASE_WORKER
    worker = User.objects.get(username="caseworker")
    other = User.objects.get(username="caseworker2")
    assert worker.organisation.code == "th-amrf" and other.organisation.code == "th-cmws"
    assert worker.check_password(DEMO_PASSWORD)

    projects = Organisation.objects.filter(kind=OrganisationKind.COUNTRY_PROJECT)
    assert sorted(projects.values_list("code", "country")) == [
        ("kh", "KH"),
        ("np", "NP"),
        ("th", "TH"),
    ]
    assert Organisation.objects.filter(kind=OrganisationKind.PARTNER).count() == 9
    assert Organisation.objects.filter(kind=OrganisationKind.SITE).count() == 5
    provider_types = Counter(
        Organisation.objects.filter(kind=OrganisationKind.PROVIDER).values_list(
            "provider_type", flat=True
        )
    )
    assert provider_types == {
        "government": 7,
        "international": 3,
        "private": 3,
        "ngo": 3,
        "project": 1,
    }

    assert summary.survivors == Survivor.objects.count() == 60
    assert summary.needs == Need.objects.count() > 60
    assert summary.consents == Consent.objects.count() > 120
    assert summary.interests == StatedInterest.objects.count() > 0
    assert not Survivor.objects.filter(needs__isnull=True).exists()
    assert CaseEvent.objects.filter(type="registered").count() == 60

    # The rows written in bulk match the plan drawn from the same seed.
    plan = plan_demo(60)
    assert Counter(Survivor.objects.values_list("sex", flat=True)) == Counter(p.sex for p in plan)
    assert Counter(Survivor.objects.values_list("organisation__code", "nationality")) == Counter(
        (p.organisation, p.nationality) for p in plan
    )
    assert Counter(Survivor.objects.values_list("status", flat=True)) == Counter(
        p.status for p in plan
    )

    # Every survivor's case worker works in the owning organisation's subtree.
    for survivor in Survivor.objects.select_related("organisation", "case_worker__organisation"):
        assert survivor.case_worker.organisation.path.startswith(survivor.organisation.path)
        assert survivor.code.startswith(survivor.organisation.country_code() + "-")


@pytest.mark.django_db
def test_bulk_rows_are_encrypted_indexed_and_audited_once():
    build_demo(survivors=60)
    survivor = Survivor.objects.exclude(phone_index="").order_by("pk").first()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT given_name, family_name, phone FROM cases_survivor WHERE id = %s",
            [survivor.pk],
        )
        raw = cursor.fetchone()
    assert all(value.startswith("v1.") for value in raw)
    assert survivor.given_name not in "".join(raw)
    assert survivor.phone_index == survivor.blind_index_values()["phone_index"]

    worker = survivor.case_worker
    found = survivor_list(worker, SurvivorFilters(q=survivor.phone))
    assert survivor in list(found)
    assert survivor_get(worker, survivor.code) == survivor

    loads = AuditEntry.objects.filter(action=Action.IMPORT, object_type="demo_data")
    assert loads.count() == 1
    assert loads.get().detail["survivors"] == 60
    assert not AuditEntry.objects.filter(object_type="survivor").exists()
    assert audit_verify().ok


@pytest.mark.django_db
def test_another_ngo_cannot_see_the_first_ones_survivors():
    from django.http import Http404

    build_demo(survivors=60)
    survivor = Survivor.objects.filter(organisation__code="th-amrf").first()
    other = User.objects.get(username="caseworker2")
    with pytest.raises(Http404):
        survivor_get(other, survivor.code)


@pytest.mark.django_db
def test_totp_devices_for_every_two_factor_user_but_the_sysadmin():
    build_demo(survivors=10)
    enrolled = set(
        TOTPDevice.objects.filter(confirmed=True).values_list("user__username", flat=True)
    )
    main = {u.username for u in DEMO_USERS}
    assert enrolled & main == {"caseworker", "caseworker2", "supervisor", "meofficer", "manager"}
    logins = {login.username: login for login in demo_logins()}
    assert logins["sysadmin"].two_factor and logins["sysadmin"].totp_secret == ""
    assert not logins["donor"].two_factor
    secret = logins["caseworker"].totp_secret
    assert len(secret) == 32 and set(secret) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")


# --- the commands ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_demo_setup_only_end_to_end_and_idempotent():
    out = StringIO()
    call_command("demo", "--setup-only", "--survivors", "40", stdout=out)
    text = out.getvalue()
    assert "Loaded 35 organisations, 26 users, 40 survivors" in text
    assert f"password for every demo user: {DEMO_PASSWORD}" in text
    for spec in DEMO_USERS:
        assert spec.username in text
    assert "not enrolled: enrol by QR code" in text
    assert "Self-screening: /screen/th-amrf/ (no login)" in text
    assert "Set-up done" in text
    assert Survivor.objects.count() == 40

    again = StringIO()
    call_command("demo", "--setup-only", "--survivors", "40", stdout=again)
    assert "Demo data is already loaded (40 survivors): keeping it." in again.getvalue()
    assert Survivor.objects.count() == 40
    assert Organisation.objects.filter(code="mekong").count() == 1


@pytest.mark.django_db
def test_demo_refuses_to_mix_into_a_database_with_other_organisations():
    from ctip.core.audit import Origin

    organisation_create(
        origin=Origin.cli("test"), code="real", name="Real NGO", kind=OrganisationKind.IMPLEMENTER
    )
    with pytest.raises(CommandError, match="not the demo's"):
        call_command("demo", "--setup-only", "--survivors", "5", stdout=StringIO())
    assert Survivor.objects.count() == 0


@pytest.mark.django_db
def test_reset_only_deletes_a_local_sqlite_file():
    # The test database is in memory (SQLite) or PostgreSQL: --reset must refuse both.
    with pytest.raises(CommandError, match="--reset"):
        call_command("demo", "--setup-only", "--reset", stdout=StringIO())


@pytest.mark.django_db
def test_demo_serves_with_gunicorn_in_demo_mode(monkeypatch):
    calls = []
    monkeypatch.setattr(
        demo_command, "run_gunicorn", lambda cmd, env: calls.append((cmd, env)) or 0
    )
    port = _free_port()
    call_command("demo", "--port", str(port), "--survivors", "5", stdout=StringIO())
    [(command, env)] = calls
    assert command[1:] == [
        "-m",
        "gunicorn",
        "ctip.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "2",
        "--no-control-socket",
    ]
    assert env["CTIP_DEMO_MODE"] == "1"


def test_serve_runs_gunicorn_without_demo_mode(monkeypatch):
    calls = []
    monkeypatch.setenv("CTIP_DEMO_MODE", "1")
    monkeypatch.setattr(
        serve_command, "run_gunicorn", lambda cmd, env: calls.append((cmd, env)) or 0
    )
    monkeypatch.setattr(serve_command, "unapplied_migrations", lambda: 0)
    everywhere = "0.0.0.0"  # noqa: S104  (only parsed: nothing listens)
    call_command(
        "serve", "--host", everywhere, "--port", "9001", "--workers", "3", stdout=StringIO()
    )
    [(command, env)] = calls
    assert command[-5:] == ["--bind", "0.0.0.0:9001", "--workers", "3", "--no-control-socket"]
    assert "CTIP_DEMO_MODE" not in env


def test_demo_mode_environment_reaches_the_dev_settings(tmp_path):
    """What the gunicorn child sees: CTIP_DEMO_MODE=1 turns demo mode on, its absence off."""
    script = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.CTIP_DEMO_MODE)"
    )
    base = {k: v for k, v in os.environ.items() if k != "CTIP_DEMO_MODE"}
    base.update(DJANGO_SETTINGS_MODULE="ctip.settings.dev", CTIP_DATA_DIR=str(tmp_path))
    for extra, expected in (({"CTIP_DEMO_MODE": "1"}, "True"), ({}, "False")):
        result = subprocess.run(
            [sys.executable, "-c", script],
            env={**base, **extra},
            capture_output=True,
            text=True,
            check=True,
        )
        assert result.stdout.strip() == expected
