"""Receipt codes: 16 digits a person can read aloud and copy by hand; only a slow keyed hash is
kept.

A code is 15 random digits and a Damm check digit, shown as ``1234 5678 9012 3456``. The check
digit catches every single wrong digit and every swap of two neighbouring digits before any
lookup, so a typo gets "check the digits", not "not found".

The hash is scrypt (n=2**10, r=8, p=1: 1 MiB of memory, about 2 ms on one core here) over the
code, salted with a pepper derived (HKDF) from a field-encryption key. It is deterministic, so
a code can be looked up by its hash, and it is keyed, so the database alone cannot be searched:
guessing codes needs the key as well. With the key, trying all 10^15 codes costs about 2·10^12
core-seconds (≈ 60,000 core-years on this machine's CPUs); the cost stays small enough for the
submit path to meet its budget of 200 submissions/s on two cores (see docs/feedback.md and
bench/feedback_submit.py for the measurement).

Lookups try each key of the ring (normally one), so receipts survive a key rotation as long as
the old key stays in CTIP_FIELD_KEYS.
"""

import hashlib
import re
import secrets

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ctip.core.crypto import keyring

SCRYPT_N = 2**10
SCRYPT_R = 8
SCRYPT_P = 1
HASH_BYTES = 32
RANDOM_DIGITS = 15
CODE_DIGITS = RANDOM_DIGITS + 1

# The Damm algorithm's quasigroup table (totally anti-symmetric, order 10).
_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)
_NOT_DIGITS = re.compile(r"[\s\-–.]+")


def damm_digit(digits: str) -> str:
    interim = 0
    for char in digits:
        interim = _DAMM[interim][int(char)]
    return str(interim)


def code_new() -> str:
    """A fresh code: 15 random digits (from the OS's CSPRNG) and the check digit."""
    body = "".join(str(secrets.randbelow(10)) for _n in range(RANDOM_DIGITS))
    return body + damm_digit(body)


def code_normalise(text: str) -> str:
    """Digits only: spaces, dashes and dots a person types between groups are dropped."""
    return _NOT_DIGITS.sub("", text or "")


def code_is_well_formed(code: str) -> bool:
    """16 digits whose check digit holds (pure arithmetic: reveals nothing about receipts)."""
    return (
        len(code) == CODE_DIGITS and code.isascii() and code.isdigit() and (damm_digit(code) == "0")
    )


def code_grouped(code: str) -> str:
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))


def _pepper(key: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"ctip feedback receipt v1"
    ).derive(key)


_PEPPERS: dict[bytes, bytes] = {}


def _peppers() -> list[bytes]:
    peppers = []
    for key in keyring().keys:
        if key not in _PEPPERS:
            _PEPPERS[key] = _pepper(key)
        peppers.append(_PEPPERS[key])
    return peppers


def _scrypt(code: str, pepper: bytes) -> str:
    digest = hashlib.scrypt(
        code.encode("ascii"),
        salt=pepper,
        n=SCRYPT_N,
        r=SCRYPT_R,
        p=SCRYPT_P,
        dklen=HASH_BYTES,
        maxmem=4 * 1024 * 1024,
    )
    return digest.hex()


def code_hash(code: str) -> str:
    """The stored form of a new code (under the first key of the ring)."""
    return _scrypt(code, _peppers()[0])


def code_hash_candidates(code: str) -> list[str]:
    """The hashes a code may be stored under: one per key of the ring, first key first."""
    return [_scrypt(code, pepper) for pepper in _peppers()]
