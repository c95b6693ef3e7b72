"""`ctip import` and `ctip template` through the console script, as a user types them."""

import pytest

from ctip.cases.models import Survivor
from ctip.cli import main
from ctip.interop.tests.conftest import SURVIVOR_COLUMNS

ROWS = [
    ["S-001", "th-ngo-a", "female", "1998", "MM", "labour", "2026-01-15", "Aye", "Mya", ""],
    ["S-002", "th-ngo-b", "male", "2090", "MM", "", "", "", "", ""],
]


# The console script closes database connections when it ends: no test transaction around it.
@pytest.mark.django_db(transaction=True)
def test_ctip_import_alias_exit_status_and_output(cast, files, capsys):
    bad = files.csv("bad.csv", SURVIVOR_COLUMNS, ROWS)
    with pytest.raises(SystemExit) as exit_info:
        main(["import", "survivors", bad, "--org", "th"])
    assert exit_info.value.code == 1
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [
        "row 3, column birth_year: 2090 is in the future",
        f"CommandError: 1 problem found in {bad}; nothing was imported.",
    ]
    assert Survivor.objects.count() == 0

    good = files.csv("good.csv", SURVIVOR_COLUMNS, ROWS[:1])
    main(["import", "survivors", good, "--org", "th"])
    assert capsys.readouterr().out.splitlines()[-1] == "created=1 updated=0 unchanged=0"
    assert Survivor.objects.get().ref == "S-001"


def test_ctip_template_prints_csv(capsys):
    main(["template", "needs"])
    assert capsys.readouterr().out == "ref,survivor_ref,category,assessed_on,status\n"


def test_base_command_turns_validation_errors_into_command_errors():
    from django.core.exceptions import ValidationError
    from django.core.management.base import CommandError

    from ctip.core.management.base import CtipCommand

    class Failing(CtipCommand):
        def handle(self, *args, **options):
            raise ValidationError({"parent": ["A site needs a parent."], "__all__": ["Bad."]})

    with pytest.raises(CommandError) as error:
        Failing().execute(skip_checks=True, no_color=True, force_color=False)
    assert str(error.value) == "parent: A site needs a parent.; Bad."
    assert Failing().origin("x").source == "cli: test_import_cli x"
