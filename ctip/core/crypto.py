"""Field encryption (AES-GCM) with a key ring, and keyed hashes for exact-match search.

A ciphertext is stored as text: ``v1.<key id>.<base64(nonce || ciphertext+tag)>``. The key id is
the first 8 hex digits of the key's SHA-256, so any key of the ring can be found for decryption
while only the first key encrypts. The column's label is authenticated (AAD), so a ciphertext
copied into another column fails to decrypt instead of leaking there.

Blind indexes are HMAC-SHA256 of a normalised value under a key derived from the first key; they
allow ``WHERE phone_index = ?`` without ever decrypting the table. Rotating keys recomputes them.
"""

import base64
import hashlib
import hmac
import os
import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property, lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "v1"


class DecryptionError(Exception):
    pass


def _decode_key(text: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured("CTIP_FIELD_KEYS holds a key that is not base64.") from exc
    if len(raw) != 32:
        raise ImproperlyConfigured("Every key in CTIP_FIELD_KEYS must be 32 bytes (ctip genkey).")
    return raw


def key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:8]


@dataclass(frozen=True)
class KeyRing:
    keys: tuple[bytes, ...]

    @classmethod
    def from_text(cls, text: str) -> "KeyRing":
        parts = [p for p in (text or "").split(",") if p.strip()]
        if not parts:
            raise ImproperlyConfigured("CTIP_FIELD_KEYS is empty.")
        return cls(tuple(_decode_key(p) for p in parts))

    @property
    def primary(self) -> bytes:
        return self.keys[0]

    @property
    def primary_id(self) -> str:
        return key_id(self.primary)

    def by_id(self, wanted: str) -> bytes:
        for key in self.keys:
            if key_id(key) == wanted:
                return key
        raise DecryptionError(f"no key with id {wanted} in CTIP_FIELD_KEYS")

    def encrypt(self, plaintext: str, label: str) -> str:
        nonce = os.urandom(12)
        sealed = AESGCM(self.primary).encrypt(nonce, plaintext.encode("utf-8"), label.encode())
        body = base64.urlsafe_b64encode(nonce + sealed).decode("ascii")
        return f"{PREFIX}.{self.primary_id}.{body}"

    def decrypt(self, token: str, label: str) -> str:
        try:
            prefix, kid, body = token.split(".", 2)
        except ValueError as exc:
            raise DecryptionError("not a ctip ciphertext") from exc
        if prefix != PREFIX:
            raise DecryptionError(f"unknown ciphertext version {prefix}")
        raw = base64.urlsafe_b64decode(body)
        try:
            plain = AESGCM(self.by_id(kid)).decrypt(raw[:12], raw[12:], label.encode())
        except Exception as exc:  # cryptography raises InvalidTag without detail
            raise DecryptionError(f"ciphertext for {label} failed authentication") from exc
        return plain.decode("utf-8")

    def key_id_of(self, token: str) -> str:
        return token.split(".", 2)[1]

    @cached_property
    def index_key(self) -> bytes:
        return HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"ctip blind index v1"
        ).derive(self.primary)

    def blind_index(self, normalised: str) -> str:
        return hmac.new(self.index_key, normalised.encode("utf-8"), hashlib.sha256).hexdigest()


def _configured_key_text() -> str:
    text = settings.CTIP_FIELD_KEYS
    if text:
        return text
    if getattr(settings, "CTIP_GENERATE_FIELD_KEYS", False):
        return _local_key_text(str(settings.DATA_DIR))
    raise ImproperlyConfigured("CTIP_FIELD_KEYS must be set (generate a key with `ctip genkey`).")


@lru_cache(maxsize=4)
def _local_key_text(data_dir: str) -> str:
    """Demo and test keys, read from CTIP_DATA_DIR once per process (created if absent)."""
    from pathlib import Path

    from ctip.core.keyfiles import ensure_local_field_keys

    return ensure_local_field_keys(Path(data_dir))


@lru_cache(maxsize=4)
def _ring_for(text: str) -> KeyRing:
    return KeyRing.from_text(text)


def keyring() -> KeyRing:
    return _ring_for(_configured_key_text())


# --- normalisation for exact-match search -------------------------------------------------

_SPACE = re.compile(r"\s+")


def normalise_name(value: str) -> str:
    """Case, width and spacing folded; 'Somchai  JAIDEE' and 'somchai jaidee' match."""
    folded = unicodedata.normalize("NFKC", value or "").casefold()
    return _SPACE.sub(" ", folded).strip()


def normalise_full_name(given: str, family: str) -> str:
    """Tokens sorted, so name order (given-family or family-given) does not matter."""
    tokens = normalise_name(f"{given} {family}").split(" ")
    return " ".join(sorted(t for t in tokens if t))


# Eight digits: long enough to tell numbers apart, short enough to drop every country code and
# trunk prefix ('+855 12 345 678' and '012 345 678'; '+66 81 234 5678' and '081-234-5678').
PHONE_MATCH_DIGITS = 8


def normalise_phone(value: str) -> str:
    """Digits only, compared on the last eight, whatever the international or trunk prefix."""
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", value or ""))
    return digits[-PHONE_MATCH_DIGITS:]


def name_index(value: str) -> str:
    normalised = normalise_name(value)
    return keyring().blind_index("name:" + normalised) if normalised else ""


def full_name_index(given: str, family: str) -> str:
    normalised = normalise_full_name(given, family)
    return keyring().blind_index("fullname:" + normalised) if normalised else ""


def phone_index(value: str) -> str:
    normalised = normalise_phone(value)
    return keyring().blind_index("phone:" + normalised) if len(normalised) >= 6 else ""
