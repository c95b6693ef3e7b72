from django.core.management.base import BaseCommand, CommandError

from ctip.core.audit import audit_verify


class Command(BaseCommand):
    help = "Audit log tools. `ctip audit verify` checks the hash chain of every entry."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args, **options):
        result = audit_verify()
        if not result.ok:
            raise CommandError(
                f"audit log broken at entry #{result.first_broken_id}: {result.problem} "
                f"({result.checked} entries verified before it)"
            )
        self.stdout.write(f"audit log intact: {result.checked} entries verified")
