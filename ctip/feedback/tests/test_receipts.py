"""Receipt codes: 16 digits with a check digit; only a keyed scrypt hash is kept."""

import base64

import pytest

from ctip.core import crypto
from ctip.feedback import receipts


def test_new_codes_are_16_digits_with_a_valid_check_digit():
    codes = {receipts.code_new() for _n in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert len(code) == 16 and code.isdigit()
        assert receipts.code_is_well_formed(code)


def test_damm_check_digit_known_value():
    # The textbook example: 572 gets check digit 4.
    assert receipts.damm_digit("572") == "4"
    assert receipts.damm_digit("5724") == "0"


def test_every_single_wrong_digit_and_neighbour_swap_is_caught():
    code = receipts.code_new()
    for position in range(16):
        for digit in "0123456789":
            if digit == code[position]:
                continue
            typo = code[:position] + digit + code[position + 1 :]
            assert not receipts.code_is_well_formed(typo)
    for position in range(15):
        if code[position] == code[position + 1]:
            continue
        swapped = code[:position] + code[position + 1] + code[position] + code[position + 2 :]
        assert not receipts.code_is_well_formed(swapped)


def test_grouping_and_normalising():
    assert receipts.code_grouped("1234567890123456") == "1234 5678 9012 3456"
    assert receipts.code_normalise(" 1234 5678-9012.3456 ") == "1234567890123456"
    assert not receipts.code_is_well_formed("12345")
    assert not receipts.code_is_well_formed("١٢٣٤٥٦٧٨٩٠١٢٣٤٥٦")  # non-ASCII digits


def test_hash_is_deterministic_keyed_and_not_the_code():
    code = receipts.code_new()
    digest = receipts.code_hash(code)
    assert digest == receipts.code_hash(code)
    assert len(digest) == 64 and code not in digest
    assert receipts.code_hash(receipts.code_new()) != digest


@pytest.fixture
def two_keys(settings):
    old = base64.urlsafe_b64encode(b"o" * 32).decode()
    new = base64.urlsafe_b64encode(b"n" * 32).decode()
    crypto._ring_for.cache_clear()
    yield old, new
    crypto._ring_for.cache_clear()


def test_a_code_hashed_under_an_old_key_is_still_found_after_rotation(settings, two_keys):
    old, new = two_keys
    code = receipts.code_new()
    settings.CTIP_FIELD_KEYS = old
    under_old = receipts.code_hash(code)
    settings.CTIP_FIELD_KEYS = f"{new},{old}"
    candidates = receipts.code_hash_candidates(code)
    assert candidates[0] == receipts.code_hash(code) != under_old
    assert candidates[1] == under_old
    # Another key gives another hash: the database alone cannot be searched for codes.
    settings.CTIP_FIELD_KEYS = new
    assert receipts.code_hash(code) != under_old
