import io

import pytest
from django.core.management import CommandError, call_command

from ctip.core.models import AuditEntry, Organisation, Role, User


@pytest.mark.django_db
def test_createadmin_makes_the_implementer_and_a_sysadmin():
    out = io.StringIO()
    call_command(
        "createadmin", "root", "--org", "mekong", "--password", "a long passphrase 42", stdout=out
    )
    user = User.objects.get(username="root")
    assert user.role == Role.SYSADMIN and user.is_superuser
    assert user.organisation == Organisation.objects.get(code="mekong", kind="implementer")
    assert user.check_password("a long passphrase 42")
    assert "System administrator root created in mekong." in out.getvalue()


@pytest.mark.django_db
def test_createadmin_without_a_tree_asks_for_the_org():
    with pytest.raises(CommandError, match="give --org CODE"):
        call_command("createadmin", "root", "--password", "a long passphrase 42")


@pytest.mark.django_db
def test_rotate_keys_command_reports_and_audits(make_survivor):
    make_survivor()
    out = io.StringIO()
    call_command("rotate_keys", stdout=out)
    assert "cases.Survivor: 1 rows" in out.getvalue()
    assert AuditEntry.objects.filter(action="rotate_keys").count() == 1


@pytest.mark.django_db
def test_createadmin_refuses_a_weak_password():
    with pytest.raises(CommandError, match="too short"):
        call_command("createadmin", "root", "--org", "mekong", "--password", "abc")
    assert not User.objects.exists()
