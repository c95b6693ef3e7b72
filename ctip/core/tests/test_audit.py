import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from ctip.core.audit import Action, Origin, audit_verify, audit_write
from ctip.core.models import AuditEntry

ORIGIN = Origin(user=None, source="tests")


def _write(n):
    return [
        audit_write(origin=ORIGIN, action=Action.VIEW, object_type="survivor", object_ref=f"S{i}")
        for i in range(n)
    ]


def _drop_update_guard():
    """What an intruder with the database would do first: remove the trigger."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER core_auditentry_no_update")
        else:
            cursor.execute("DROP TRIGGER core_auditentry_no_change ON core_auditentry")


@pytest.mark.django_db
def test_chain_links_each_entry_to_the_previous():
    entries = _write(3)
    assert entries[1].prev_hash == entries[0].entry_hash
    assert entries[2].prev_hash == entries[1].entry_hash
    assert audit_verify().ok
    assert audit_verify().checked == 3


@pytest.mark.django_db
def test_entries_cannot_be_changed_or_deleted_through_the_orm():
    entry = _write(1)[0]
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).update(action="x")
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()


@pytest.mark.django_db
def test_database_refuses_sql_update():
    entry = _write(1)[0]
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditentry SET action = 'x' WHERE id = %s", [entry.pk])


@pytest.mark.django_db
def test_verify_names_the_first_altered_entry():
    entries = _write(4)
    _drop_update_guard()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE core_auditentry SET object_ref = 'someone-else' WHERE id = %s",
            [entries[2].pk],
        )
    result = audit_verify()
    assert not result.ok
    assert result.first_broken_id == entries[2].pk
    assert result.checked == 2
    with pytest.raises(CommandError, match=f"broken at entry #{entries[2].pk}"):
        call_command("audit", "verify")


@pytest.mark.django_db
def test_verify_finds_a_deleted_entry():
    entries = _write(4)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER core_auditentry_no_change ON core_auditentry")
        cursor.execute("DELETE FROM core_auditentry WHERE id = %s", [entries[1].pk])
    result = audit_verify()
    assert not result.ok
    assert result.first_broken_id == entries[2].pk


@pytest.mark.django_db
def test_verify_finds_the_newest_entries_deleted():
    entries = _write(3)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER core_auditentry_no_change ON core_auditentry")
        cursor.execute("DELETE FROM core_auditentry WHERE id = %s", [entries[2].pk])
    result = audit_verify()
    assert not result.ok
    assert "newest entries were deleted" in result.problem


@pytest.mark.django_db
def test_cli_verify_exits_zero_when_intact(capsys):
    _write(2)
    call_command("audit", "verify")
    assert "2 entries verified" in capsys.readouterr().out


@pytest.mark.django_db
def test_ctip_audit_verify_exits_non_zero(monkeypatch):
    from ctip.cli import main

    entries = _write(2)
    _drop_update_guard()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditentry SET action = 'x' WHERE id = %s", [entries[0].pk])
    with pytest.raises(SystemExit) as exit_info:
        main(["audit", "verify"])
    assert exit_info.value.code != 0


@pytest.mark.django_db
def test_login_and_failed_login_are_audited(cast, client):
    from ctip.conftest import PASSWORD

    client.post("/account/login/", {"username": "anong", "password": "wrong-password"})
    client.post("/account/login/", {"username": "anong", "password": PASSWORD})
    actions = list(
        AuditEntry.objects.filter(object_ref="anong")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions[-2:] == [Action.LOGIN_FAILED, Action.LOGIN]
