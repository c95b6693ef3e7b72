"""`ctip report`: every indicator for one organisation's subtree and one period.

    ctip report [--period 2026-Q1|2026-01|2026] [--org CODE] [--format json|csv|xlsx]
                [--public] [-o FILE] [--indicator CODE ...]

The default period is the last complete quarter, the default organisation the top of the tree.
`--public` suppresses small cells as every output that leaves the programme must. Each run
writes an audit entry.
"""

import json
import sys

from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from ctip.core.management.base import CtipCommand
from ctip.core.models import Organisation
from ctip.indicators.periods import Period, PeriodError
from ctip.indicators.registry import REGISTRY
from ctip.indicators.services import FORMATS, ExportNotAvailable, report_export


class Command(CtipCommand):
    help = _("Compute the indicators for an organisation's subtree and a period.")
    cli_name = "report"

    def add_arguments(self, parser):
        parser.add_argument(
            "--period",
            help=_("2026-01, 2026-Q1 or 2026 (default: the last complete quarter)"),
        )
        self.add_org_argument(
            parser, help_text=_("organisation whose subtree is reported (default: the top)")
        )
        parser.add_argument("--format", choices=FORMATS, default="json")
        parser.add_argument(
            "--public",
            action="store_true",
            help=_("suppress small cells (counts 1-4 as <5), as for donors"),
        )
        parser.add_argument("-o", "--output", metavar="FILE", help=_("write to FILE"))
        parser.add_argument(
            "--indicator",
            nargs="+",
            metavar="CODE",
            help=_("only these indicators (e.g. SRV-1 REF-1)"),
        )

    def handle(self, *args, **options):
        try:
            period = (
                Period.parse(options["period"])
                if options["period"]
                else Period.last_complete("quarter", timezone.localdate())
            )
        except PeriodError as exc:
            raise CommandError(str(exc)) from exc
        scope = self.resolve_org(options["org"]) or self._top()
        codes = [code.upper() for code in options["indicator"] or []]
        unknown = [code for code in codes if code not in REGISTRY]
        if unknown:
            raise CommandError(
                _("Unknown indicator %(codes)s; known: %(known)s.")
                % {"codes": ", ".join(unknown), "known": ", ".join(REGISTRY)}
            )
        fmt = options["format"]
        try:
            export = report_export(
                origin=self.origin(f"{period.label} {scope.code} {fmt}"),
                scope=scope,
                period=period,
                public=options["public"],
                fmt=fmt,
                codes=codes or None,
            )
        except ExportNotAvailable as exc:
            raise CommandError(str(exc), returncode=2) from exc
        content = export.content
        if fmt == "json":
            content = json.dumps(content, indent=2, ensure_ascii=False, default=str) + "\n"
        self._write(content, options["output"])

    def _top(self) -> Organisation:
        top = Organisation.objects.filter(parent__isnull=True).order_by("path").first()
        if top is None:
            raise CommandError(_("There are no organisations yet."))
        return top

    def _write(self, content: str | bytes, path: str | None) -> None:
        if path:
            mode = "wb" if isinstance(content, bytes) else "w"
            with open(path, mode, **({} if mode == "wb" else {"encoding": "utf-8"})) as handle:
                handle.write(content)
            self.stderr.write(_("Written to %(path)s.") % {"path": path})
        elif isinstance(content, bytes):
            sys.stdout.buffer.write(content)
            sys.stdout.buffer.flush()
        else:
            self.stdout.write(content, ending="")
