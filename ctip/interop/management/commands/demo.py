"""`ctip demo`: migrate a local database, load the demo data once, print the logins, serve.

Demo mode (``CTIP_DEMO_MODE=1`` in the served process) shows the current TOTP code on the
two-factor page, so nobody needs an authenticator app to try ctip. It is never on in production
settings.
"""

import argparse
import os
import socket
import textwrap
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.utils.translation import gettext as _

from ctip.cases.models import Survivor
from ctip.core.models import Organisation
from ctip.interop.demo import (
    DEFAULT_SURVIVORS,
    DEMO_PASSWORD,
    build_demo,
    demo_is_loaded,
    demo_logins,
)
from ctip.interop.management.commands.serve import (
    DEFAULT_SETTINGS,
    gunicorn_command,
    run_gunicorn,
    server_environment,
)

DEMO_WORKERS = 2


def _port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


class Command(BaseCommand):
    help = _(
        "Migrate the local database, load the demo data (once), print the demo logins and serve "
        "on 127.0.0.1 in demo mode."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000, help=_("port (default 8000)"))
        parser.add_argument(
            "--setup-only",
            action="store_true",
            help=_("migrate, load and print the logins, but do not serve"),
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help=_("delete the local SQLite database first and rebuild it"),
        )
        # For tests and quick trials: how many survivors to make.
        parser.add_argument(
            "--survivors", type=int, default=DEFAULT_SURVIVORS, help=argparse.SUPPRESS
        )

    def handle(self, *args, **options):
        settings_module = os.environ.get("DJANGO_SETTINGS_MODULE", DEFAULT_SETTINGS)
        if settings_module.endswith(".prod"):
            raise CommandError(_("ctip demo does not run with production settings."))
        if options["survivors"] < 1:
            raise CommandError(_("--survivors must be at least 1."))
        if not options["setup_only"] and not _port_is_free("127.0.0.1", options["port"]):
            raise CommandError(
                _("Port %(port)d is in use; choose another with --port.")
                % {"port": options["port"]}
            )
        if options["reset"]:
            self._delete_sqlite_database()
        self.stdout.write(_("Data directory: %(dir)s") % {"dir": settings.DATA_DIR})
        self.stdout.write(_("Database: %(db)s") % {"db": self._database_label()})
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write(_("Migrations applied."))
        self._load(options["survivors"])
        self._print_logins()
        self.stdout.write(
            _(
                "Anonymous feedback: /f/demo (no login); receipt 2026 0115 0000 0011 opens a "
                "conversation at /f/demo/status; the safeguarding team logs in as “safeguarding”."
            )
        )
        self.stdout.write(
            _(
                "Self-screening: /screen/th-amrf/ (no login); its questions are read aloud once "
                "`ctip screening audio` has spoken them (needs espeak-ng)."
            )
        )
        if options["setup_only"]:
            self.stdout.write(_("Set-up done (--setup-only): `ctip demo` serves it."))
            return
        self.stdout.write(
            _("Serving the demo on http://127.0.0.1:%(port)d/ (Ctrl+C stops).")
            % {"port": options["port"]}
        )
        self.stdout.flush()
        command = gunicorn_command(host="127.0.0.1", port=options["port"], workers=DEMO_WORKERS)
        status = run_gunicorn(command, server_environment(demo=True))
        if status not in (0, -15):
            raise CommandError(_("gunicorn stopped with status %(status)s.") % {"status": status})

    # --- steps ---------------------------------------------------------------------------

    def _sqlite_path(self) -> Path | None:
        """The local SQLite file `ctip demo` owns: the one in CTIP_DATA_DIR, nothing else (not a
        test database, not a file configured elsewhere)."""
        connection = connections["default"]
        if connection.vendor != "sqlite":
            return None
        own = Path(settings.DATA_DIR) / "ctip.sqlite3"
        name = str(connection.settings_dict["NAME"])
        if name == ":memory:" or "mode=memory" in name or Path(name).resolve() != own.resolve():
            return None
        return own

    def _database_label(self) -> str:
        connection = connections["default"]
        if connection.vendor == "sqlite":
            return f"SQLite {connection.settings_dict['NAME']}"
        # Name the engine and database only: a URL may carry a password.
        return f"{connection.vendor} {connection.settings_dict['NAME']}"

    def _delete_sqlite_database(self) -> None:
        path = self._sqlite_path()
        if path is None:
            raise CommandError(
                _(
                    "--reset deletes only the SQLite database in CTIP_DATA_DIR; this one is not "
                    "(drop and recreate it yourself)."
                )
            )
        connections["default"].close()
        for candidate in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            candidate.unlink(missing_ok=True)
        self.stdout.write(_("Deleted %(path)s (--reset).") % {"path": path})

    def _load(self, survivors: int) -> None:
        if demo_is_loaded():
            self.stdout.write(
                _(
                    "Demo data is already loaded (%(n)d survivors): keeping it. "
                    "`ctip demo --reset` starts again."
                )
                % {"n": Survivor.objects.count()}
            )
            return
        if Organisation.objects.exists():
            raise CommandError(
                _(
                    "This database already holds organisations that are not the demo's; "
                    "ctip demo will not mix demo data into it."
                )
            )
        self.stdout.write(_("Loading demo data…"))
        self.stdout.flush()
        summary = build_demo(survivors=survivors)
        self.stdout.write(
            _(
                "Loaded %(orgs)d organisations, %(users)d users, %(survivors)d survivors, "
                "%(needs)d needs, %(consents)d consents, %(interests)d stated interests "
                "in %(seconds).1f s."
            )
            % {
                "orgs": summary.organisations,
                "users": summary.users,
                "survivors": summary.survivors,
                "needs": summary.needs,
                "consents": summary.consents,
                "interests": summary.interests,
                "seconds": summary.seconds,
            }
        )

    def _print_logins(self) -> None:
        logins = demo_logins(include_staff=True)
        main = [login for login in logins if "-cw" not in login.username]
        staff = [login for login in logins if "-cw" in login.username]
        write = self.stdout.write
        write("")
        write(
            _("Demo logins (password for every demo user: %(password)s)")
            % {"password": DEMO_PASSWORD}
        )
        write(
            f"{_('username'):<12} {_('role'):<34} {_('organisation'):<58} "
            f"{_('TOTP secret (base32)')}"
        )
        for login in main:
            secret = login.totp_secret or (
                _("not enrolled: enrol by QR code") if login.two_factor else _("no 2FA for role")
            )
            write(f"{login.username:<12} {login.role:<34} {login.organisation:<58} {secret}")
            if login.note:
                write(f"{'':<12} ↳ {login.note}")
        if staff:
            write("")
            write(_("More case workers (same password), one or two per partner and site:"))
            for login in staff:
                write(f"{login.username:<16} {login.organisation:<58} {login.totp_secret}")
        write("")
        text = _(
            "Two-factor authentication: every role that can reach survivor records (and the "
            "system administrator) passes a TOTP code after the password. In demo mode only, "
            "the 2FA page shows the current code, so you can copy it; or add the base32 secret "
            "above to an authenticator app. The sysadmin has no device yet: the first login "
            "shows a QR code to enrol one (the demo code is shown there too). The PSE officer "
            "and the donor see no records and need no 2FA."
        )
        write("\n".join(textwrap.wrap(text, width=100)))
        write("")
