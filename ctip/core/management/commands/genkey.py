from django.core.management.base import BaseCommand

from ctip.core.keyfiles import new_field_key


class Command(BaseCommand):
    help = "Print a new field-encryption key for CTIP_FIELD_KEYS (put it first to encrypt with it)."

    def handle(self, *args, **options):
        self.stdout.write(new_field_key())
