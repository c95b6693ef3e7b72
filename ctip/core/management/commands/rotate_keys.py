from django.core.management.base import BaseCommand

from ctip.core.audit import Origin
from ctip.core.crypto import keyring
from ctip.core.services import field_keys_rotate


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted field under the first key of CTIP_FIELD_KEYS and recompute "
        "the search indexes. Keep the old keys in the ring until this has finished."
    )

    def handle(self, *args, **options):
        ring = keyring()
        self.stdout.write(f"Encrypting under key {ring.primary_id} ({len(ring.keys)} keys in ring)")
        counts = field_keys_rotate(origin=Origin.cli("rotate-keys"))
        for label, count in counts.items():
            self.stdout.write(f"{label}: {count} rows")
        self.stdout.write(self.style.SUCCESS("Done. Old keys may now be removed from the ring."))
