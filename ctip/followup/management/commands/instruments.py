"""`ctip instruments list [--org CODE]` | `ctip instruments load FILE --org CODE` |
`ctip instruments check FILE`.

Loads an organisation's own definition file: its licensed GHQ-12 item wording (never shipped),
a weight set for the reintegration instrument, or an instrument of its own or a translation.
"""

from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ctip.core.management.base import CtipCommand
from ctip.followup import scoring
from ctip.followup.selectors import catalogue_for
from ctip.followup.services import definition_load


class Command(CtipCommand):
    help = gettext_lazy("List the scored instruments, or load or check a definition file.")
    cli_name = "instruments"

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        listing = actions.add_parser("list", help=_("instruments in force (for --org)"))
        self.add_org_argument(listing)
        load = actions.add_parser("load", help=_("load an organisation's definition file"))
        load.add_argument("file")
        self.add_org_argument(load, required=True)
        check = actions.add_parser("check", help=_("check a definition file, load nothing"))
        check.add_argument("file")

    def handle(self, *args, **options):
        getattr(self, f"handle_{options['action']}")(options)

    def _read(self, name: str) -> bytes:
        try:
            return Path(name).read_bytes()
        except OSError as exc:
            raise CommandError(
                _("Cannot read %(file)s: %(error)s") % {"file": name, "error": exc.strerror}
            ) from exc

    def handle_list(self, options):
        catalogue = catalogue_for(self.resolve_org(options["org"]))
        for code in sorted(catalogue.instruments):
            instrument = catalogue.instrument(code)
            weights = catalogue.weight_set(instrument)
            state = _("ready") if instrument.has_items else _("needs licensed wording")
            extra = f"  {_('weights')} {weights.version}" if weights else ""
            self.stdout.write(
                f"{code:14} {instrument.full_version:18} {state:24} {instrument.short_name}{extra}"
            )

    def handle_check(self, options):
        try:
            definition = scoring.parse(scoring.read_json(self._read(options["file"])))
        except scoring.InstrumentError as exc:
            for problem in exc.problems:
                self.stderr.write(problem)
            raise CommandError(_("The file does not hold together.")) from exc
        self.stdout.write(
            _("OK: %(kind)s %(version)s")
            % {"kind": type(definition).__name__, "version": definition.version}
        )

    def handle_load(self, options):
        organisation = self.resolve_org(options["org"])
        loaded = definition_load(
            origin=self.origin(f"load {organisation.code}"),
            organisation=organisation,
            content=self._read(options["file"]),
            file_name=Path(options["file"]).name,
        )
        self.stdout.write(
            _("Loaded %(kind)s %(code)s %(version)s for %(org)s.")
            % {
                "kind": loaded.get_kind_display(),
                "code": loaded.code,
                "version": loaded.version,
                "org": organisation.code,
            }
        )
