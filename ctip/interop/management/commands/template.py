"""`ctip template KIND [-o FILE]`: a blank import template with exactly the documented columns."""

from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ctip.core.management.base import CtipCommand
from ctip.interop.importers import KINDS
from ctip.interop.importers.tabular import template_csv, template_xlsx


class Command(CtipCommand):
    help = gettext_lazy(
        "Write a blank import template: CSV to standard output, or to FILE (.csv or .xlsx; the "
        "workbook has a 'help' sheet describing each column)."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=KINDS)
        parser.add_argument("-o", "--output", metavar="FILE", help=_("write to FILE"))

    def handle(self, *args, **options):
        kind, output = options["kind"], options["output"]
        if not output:
            self.stdout.write(template_csv(kind), ending="")
            return
        path = Path(output)
        suffix = path.suffix.lower()
        if suffix not in {".csv", ".xlsx"}:
            raise CommandError(_("Write the template to a .csv or .xlsx file."))
        try:
            if suffix == ".xlsx":
                path.write_bytes(template_xlsx(kind))
            else:
                path.write_text(template_csv(kind, bom=True), encoding="utf-8")
        except OSError as exc:
            raise CommandError(
                _("Cannot write %(file)s: %(error)s") % {"file": output, "error": exc.strerror}
            ) from exc
        self.stdout.write(
            _("Wrote the %(kind)s template to %(file)s.") % {"kind": kind, "file": output}
        )
