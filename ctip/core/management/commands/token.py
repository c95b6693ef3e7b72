"""`ctip token create USERNAME --name NAME` | `ctip token revoke PREFIX` | `ctip token list`.

The key is printed once, alone on stdout (so a script can capture it); only its hash is kept.
"""

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ctip.core.management.base import CtipCommand
from ctip.core.models import ApiToken, User
from ctip.core.services import api_token_create, api_token_revoke


class Command(CtipCommand):
    help = gettext_lazy("Create, revoke and list API tokens (Authorization: Bearer <key>).")
    cli_name = "token"

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help=_("issue a token to a user; shown once"))
        create.add_argument("username")
        create.add_argument("--name", required=True, help=_("what the token is for"))
        revoke = actions.add_parser("revoke", help=_("revoke the token with this prefix"))
        revoke.add_argument(
            "prefix",
            help=_("the 8 characters after 'ctip_' (put -- before one that starts with -)"),
        )
        listing = actions.add_parser("list", help=_("list tokens (prefixes, never keys)"))
        listing.add_argument("--user", default="", help=_("only this user's tokens"))

    def handle(self, *args, **options):
        getattr(self, f"handle_{options['action']}")(options)

    def handle_create(self, options):
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(
                _("No active user %(username)s.") % {"username": options["username"]}
            )
        token, key = api_token_create(
            origin=self.origin(f"create {user.username}"), user=user, name=options["name"]
        )
        self.stderr.write(
            _("Token %(prefix)s for %(username)s. It is shown once and cannot be recovered:")
            % {"prefix": token.prefix, "username": user.username}
        )
        self.stdout.write(key)

    def handle_revoke(self, options):
        token = api_token_revoke(
            origin=self.origin(f"revoke {options['prefix']}"), prefix=options["prefix"]
        )
        self.stdout.write(
            _("Token %(prefix)s (%(name)s) of %(username)s revoked.")
            % {"prefix": token.prefix, "name": token.name, "username": token.user.username}
        )

    def handle_list(self, options):
        tokens = ApiToken.objects.select_related("user").order_by("user__username", "created_at")
        if options["user"]:
            tokens = tokens.filter(user__username=options["user"])
        for token in tokens:
            state = (
                _("revoked %(at)s") % {"at": f"{token.revoked_at:%Y-%m-%d}"}
                if token.revoked_at
                else _("active")
            )
            used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "-"
            self.stdout.write(
                f"{token.prefix}  {token.user.username}  {token.name}  "
                f"{token.created_at:%Y-%m-%d}  {used}  {state}"
            )
