import getpass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from ctip.core.audit import Origin
from ctip.core.models import Organisation, OrganisationKind, Role
from ctip.core.services import organisation_create, user_create


class Command(BaseCommand):
    help = (
        "Create a system administrator (and the implementer organisation when the tree is "
        "empty). The administrator enrols two-factor authentication at first login."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--email", default="")
        parser.add_argument("--org", help="code of the implementer (created if the tree is empty)")
        parser.add_argument("--org-name", default="Implementer")
        parser.add_argument("--password", help="omit to be asked (safer: not in shell history)")

    @transaction.atomic
    def handle(self, *args, **options):
        origin = Origin.cli("createadmin")
        org = Organisation.objects.filter(kind=OrganisationKind.IMPLEMENTER).order_by("pk").first()
        if org is None:
            if not options["org"]:
                raise CommandError("No implementer yet: give --org CODE to create it.")
            org = organisation_create(
                origin=origin,
                code=options["org"],
                name=options["org_name"],
                kind=OrganisationKind.IMPLEMENTER,
            )
        password = options["password"] or getpass.getpass("Password: ")
        try:
            validate_password(password)
            user_create(
                origin=origin,
                username=options["username"],
                password=password,
                role=Role.SYSADMIN,
                organisation=org,
                email=options["email"],
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(f"System administrator {options['username']} created in {org.code}.")
