"""EncryptedTextField: PII encrypted field by field, so the database file alone reveals nothing."""

from django.db import models

from ctip.core.crypto import keyring


class EncryptedTextField(models.TextField):
    """Text encrypted with AES-GCM under the key ring's first key; empty stays empty.

    Lookups are refused: searching goes through a blind-index column, never the ciphertext.
    """

    description = "Text encrypted at rest (AES-GCM)"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    @property
    def label(self) -> str:
        return f"{self.model._meta.label_lower}.{self.name}"

    def from_db_value(self, value, expression, connection):
        if not value:
            return ""
        return keyring().decrypt(value, self.label)

    def to_python(self, value):
        return "" if value is None else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value:
            return ""
        return keyring().encrypt(value, self.label)

    def get_lookup(self, lookup_name):
        if lookup_name in {"isnull"}:
            return super().get_lookup(lookup_name)
        raise TypeError(f"{self.label} is encrypted: search it through its blind index.")


def encrypted_fields(model) -> list[EncryptedTextField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
