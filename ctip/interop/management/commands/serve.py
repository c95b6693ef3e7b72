"""`ctip serve`: gunicorn on the configured database (no demo mode, no data loading)."""

import os
import signal
import subprocess
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.utils.translation import gettext as _

DEFAULT_SETTINGS = "ctip.settings.dev"


def server_environment(*, demo: bool) -> dict[str, str]:
    """The environment of the gunicorn child: the same settings and data directory as this
    process, demo mode on only when asked for."""
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = os.environ.get("DJANGO_SETTINGS_MODULE", DEFAULT_SETTINGS)
    env["CTIP_DATA_DIR"] = str(settings.DATA_DIR)
    if demo:
        env["CTIP_DEMO_MODE"] = "1"
    else:
        env.pop("CTIP_DEMO_MODE", None)
    return env


def gunicorn_command(*, host: str, port: int, workers: int) -> list[str]:
    return [
        sys.executable, "-m", "gunicorn", "ctip.wsgi:application",
        "--bind", f"{host}:{port}",
        "--workers", str(workers),
        # Each server would otherwise claim the same ~/.gunicorn/gunicorn.ctl socket.
        "--no-control-socket",
        # No access log: search terms (a phone number, a name) travel in query strings.
    ]  # fmt: skip


def run_gunicorn(command: list[str], env: dict[str, str]) -> int:
    """Run gunicorn in the foreground and return its exit status.

    Ctrl+C (SIGINT) and SIGTERM sent to this process are passed on, so gunicorn stops
    gracefully instead of being orphaned.
    """
    process = subprocess.Popen(command, env=env)  # noqa: S603  (our own interpreter and args)

    def forward(signum, frame):
        process.send_signal(signal.SIGTERM)

    previous = signal.signal(signal.SIGTERM, forward)
    try:
        while True:
            try:
                return process.wait()
            except KeyboardInterrupt:
                process.send_signal(signal.SIGTERM)
    finally:
        signal.signal(signal.SIGTERM, previous)


def unapplied_migrations() -> int:
    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def default_workers() -> int:
    return min(2 * (os.cpu_count() or 1) + 1, 9)


class Command(BaseCommand):
    help = _("Serve ctip with gunicorn on the configured database (no demo data, no demo mode).")

    def add_arguments(self, parser):
        parser.add_argument(
            "--host", default="127.0.0.1", help=_("address to listen on (default 127.0.0.1)")
        )
        parser.add_argument("--port", type=int, default=8000, help=_("port (default 8000)"))
        parser.add_argument(
            "--workers",
            type=int,
            default=default_workers(),
            help=_("gunicorn worker processes (default 2 × CPUs + 1, at most 9)"),
        )

    def handle(self, *args, **options):
        if options["workers"] < 1:
            raise CommandError(_("--workers must be at least 1."))
        pending = unapplied_migrations()
        if pending:
            self.stderr.write(
                _("Warning: %(n)d migrations are not applied; run `ctip migrate` first.")
                % {"n": pending}
            )
        self.stdout.write(
            _("Serving on http://%(host)s:%(port)d with %(workers)d workers. Ctrl+C stops.")
            % {"host": options["host"], "port": options["port"], "workers": options["workers"]}
        )
        self.stdout.flush()
        command = gunicorn_command(
            host=options["host"], port=options["port"], workers=options["workers"]
        )
        status = run_gunicorn(command, server_environment(demo=False))
        if status not in (0, -signal.SIGTERM):
            raise CommandError(_("gunicorn stopped with status %(status)s.") % {"status": status})
