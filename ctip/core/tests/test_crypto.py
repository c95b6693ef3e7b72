import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured
from hypothesis import given
from hypothesis import strategies as st

from ctip.core.crypto import (
    DecryptionError,
    KeyRing,
    normalise_full_name,
    normalise_name,
    normalise_phone,
)
from ctip.core.keyfiles import new_field_key

KEY_A = new_field_key()
KEY_B = new_field_key()


@given(st.text())
def test_encrypt_then_decrypt_gives_the_text_back(text):
    ring = KeyRing.from_text(KEY_A)
    assert ring.decrypt(ring.encrypt(text, "cases.survivor.phone"), "cases.survivor.phone") == text


def test_ciphertext_is_not_the_plaintext_and_differs_each_time():
    ring = KeyRing.from_text(KEY_A)
    first, second = ring.encrypt("Somsri", "l"), ring.encrypt("Somsri", "l")
    assert "Somsri" not in first
    assert first != second


def test_first_key_encrypts_and_every_key_decrypts():
    old_ring = KeyRing.from_text(KEY_A)
    token = old_ring.encrypt("081 234 5678", "l")
    rotated = KeyRing.from_text(f"{KEY_B},{KEY_A}")
    assert rotated.decrypt(token, "l") == "081 234 5678"
    assert rotated.key_id_of(rotated.encrypt("x", "l")) == rotated.primary_id
    with pytest.raises(DecryptionError):
        KeyRing.from_text(KEY_B).decrypt(token, "l")


def test_ciphertext_moved_to_another_column_fails():
    ring = KeyRing.from_text(KEY_A)
    token = ring.encrypt("Somsri", "cases.survivor.given_name")
    with pytest.raises(DecryptionError):
        ring.decrypt(token, "cases.survivor.notes")


def test_bad_keys_are_refused_with_a_clear_message():
    with pytest.raises(ImproperlyConfigured, match="32 bytes"):
        KeyRing.from_text("c2hvcnQ=")
    with pytest.raises(ImproperlyConfigured, match="empty"):
        KeyRing.from_text("")


def test_normalisation_for_blind_indexes():
    assert normalise_name("  SOMCHAI   Jaidee ") == "somchai jaidee"
    assert normalise_full_name("Jaidee", "Somchai") == normalise_full_name("Somchai", "Jaidee")
    assert normalise_phone("+66 81 234 5678") == normalise_phone("081-234-5678") == "12345678"
    assert normalise_phone("+855 12 345 678") == normalise_phone("012 345 678")
    assert normalise_phone("+977 98-4123-4567") == normalise_phone("9841234567")


def test_blind_index_depends_on_key():
    assert KeyRing.from_text(KEY_A).blind_index("x") != KeyRing.from_text(KEY_B).blind_index("x")


def test_production_refuses_to_start_without_keys(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "CTIP_DATA_DIR": str(tmp_path), "CTIP_SECRET_KEY": "s" * 50}
    result = subprocess.run(
        [sys.executable, "-c", "import ctip.settings.prod"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "CTIP_FIELD_KEYS must be set in production" in result.stderr


def test_genkey_prints_a_usable_key(capsys):
    from django.core.management import call_command

    call_command("genkey")
    key = capsys.readouterr().out.strip()
    assert len(KeyRing.from_text(key).primary) == 32
