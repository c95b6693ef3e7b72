"""`ctip import KIND FILE [--org CODE] [--dry-run]` (the module name avoids the keyword `import`).

Prints one line per problem and exits with status 1 when any row is bad (nothing is written);
on success the last line is `created=N updated=M unchanged=K`.
"""

from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from ctip.core.management.base import CtipCommand
from ctip.interop.importers import KINDS, records_import
from ctip.interop.importers.references import references_import


class Command(CtipCommand):
    help = gettext_lazy(
        "Import a CSV or XLSX file made from `ctip template KIND`. All rows are checked first; "
        "any problem and nothing is written. Rows whose ref exists are updated, never duplicated."
    )
    cli_name = "import"

    def create_parser(self, prog_name, subcommand, **kwargs):
        return super().create_parser(prog_name, "import", **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=(*KINDS, "references"))
        parser.add_argument(
            "file", help=_("a .csv (UTF-8) or .xlsx file; for references a .bib or .ris file")
        )
        self.add_org_argument(
            parser,
            help_text=_(
                "only accept records within this organisation's subtree; for references, the "
                "library (implementer or country project) to import into"
            ),
        )
        parser.add_argument(
            "--dry-run", action="store_true", help=_("check and count, write nothing")
        )

    def handle(self, *args, **options):
        kind, file_name = options["kind"], options["file"]
        scope = self.resolve_org(options["org"])
        try:
            content = Path(file_name).read_bytes()
        except OSError as exc:
            raise CommandError(
                _("Cannot read %(file)s: %(error)s") % {"file": file_name, "error": exc.strerror}
            ) from exc
        if kind == "references":
            return self._references(file_name, content, scope, options["dry_run"])
        outcome = records_import(
            origin=self.origin(kind),
            kind=kind,
            file_name=file_name,
            content=content,
            scope=scope,
            dry_run=options["dry_run"],
        )
        if not outcome.ok:
            for problem in outcome.problems:
                self.stderr.write(str(problem))
            count = len(outcome.problems)
            raise CommandError(
                ngettext(
                    "%(n)d problem found in %(file)s; nothing was imported.",
                    "%(n)d problems found in %(file)s; nothing was imported.",
                    count,
                )
                % {"n": count, "file": file_name}
            )
        if outcome.dry_run:
            self.stdout.write(
                _("Dry run: %(rows)d rows checked, nothing was written.") % {"rows": outcome.rows}
            )
        self.stdout.write(outcome.counts)

    def _references(self, file_name, content, organisation, dry_run):
        """BibTeX or RIS into the evidence library of --org (docs/evidence.md)."""
        if organisation is None:
            raise CommandError(
                _(
                    "Name the library to import into: --org CODE (an implementer or a country "
                    "project)."
                )
            )
        outcome = references_import(
            origin=self.origin("references"),
            file_name=file_name,
            content=content,
            organisation=organisation,
            dry_run=dry_run,
        )
        if not outcome.ok:
            for problem in outcome.problems:
                self.stderr.write(problem)
            count = len(outcome.problems)
            raise CommandError(
                ngettext(
                    "%(n)d problem found in %(file)s; nothing was imported.",
                    "%(n)d problems found in %(file)s; nothing was imported.",
                    count,
                )
                % {"n": count, "file": file_name}
            )
        if dry_run:
            self.stdout.write(
                _("Dry run: %(n)d references checked, nothing was written.")
                % {"n": outcome.entries}
            )
        self.stdout.write(outcome.counts)
