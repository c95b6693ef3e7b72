"""The base of ctip's management commands.

Commands stay thin adapters: they parse arguments, resolve `--org CODE` to an organisation here,
call a service and print. Bad input (an unknown organisation, a service's ValidationError) becomes
a `CommandError`, which `ctip` prints as one line and turns into exit status 1.
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.http import Http404
from django.utils.translation import gettext as _

from ctip.core.audit import Origin
from ctip.core.models import Organisation


def validation_error_text(exc: ValidationError) -> str:
    """One line for a ValidationError: 'field: message; field: message'."""
    if hasattr(exc, "error_dict"):
        parts = []
        for field, errors in exc.message_dict.items():
            for message in errors:
                parts.append(message if field == "__all__" else f"{field}: {message}")
        return "; ".join(parts)
    return "; ".join(exc.messages)


class CtipCommand(BaseCommand):
    """Base command: `--org CODE` resolution, a CLI origin for audit entries, clean errors."""

    #: The name the audit log records as the source ("cli: <name>"); defaults to the module.
    cli_name: str = ""

    def create_parser(self, prog_name, subcommand, **kwargs):
        # `help` may be a lazy translation; argparse needs a real string.
        self.help = str(self.help)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_org_argument(self, parser, *, required: bool = False, help_text: str = "") -> None:
        parser.add_argument(
            "--org",
            metavar="CODE",
            required=required,
            help=help_text or _("code of the organisation whose subtree the command works in"),
        )

    def resolve_org(self, code: str | None) -> Organisation | None:
        """The organisation with this code, None when no code was given; else CommandError.

        The command line runs with the database's full authority (whoever can run it can read
        the database), so the lookup is over the whole tree rather than a user's subtree.
        """
        if not code:
            return None
        organisation = Organisation.objects.filter(code=code).first()
        if organisation is None:
            raise CommandError(_("No organisation with code %(code)s.") % {"code": code})
        return organisation

    def origin(self, detail: str = "") -> Origin:
        name = self.cli_name or self.__module__.rsplit(".", 1)[-1]
        return Origin.cli(f"{name} {detail}".strip())

    def execute(self, *args, **options):
        try:
            return super().execute(*args, **options)
        except ValidationError as exc:
            raise CommandError(validation_error_text(exc)) from exc
        except Http404 as exc:
            raise CommandError(str(exc) or _("Not found.")) from exc
