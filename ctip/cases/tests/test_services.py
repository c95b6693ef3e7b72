import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404
from django.test import override_settings

from ctip.cases.models import CaseEvent, Survivor
from ctip.cases.selectors import (
    SurvivorFilters,
    consent_is_given,
    possible_duplicates,
    survivor_get,
    survivor_list,
    survivors_visible_to,
)
from ctip.cases.services import (
    case_close,
    consent_record,
    need_assess,
    survivor_erase_pii,
    survivor_update,
)
from ctip.conftest import SYSTEM
from ctip.core.audit import Action
from ctip.core.crypto import _ring_for
from ctip.core.keyfiles import new_field_key
from ctip.core.models import AuditEntry
from ctip.core.services import field_keys_rotate


def database_bytes() -> bytes:
    """Every byte SQLite has written for the test database, the WAL included."""
    connection.close()  # checkpoint: flush the WAL into the main file
    name = Path(connection.settings_dict["NAME"])
    return b"".join(p.read_bytes() for p in (name, Path(f"{name}-wal")) if p.exists())


@pytest.mark.django_db
def test_code_is_pseudonymous_and_readable(make_survivor):
    survivor = make_survivor()
    assert survivor.code.startswith("TH-")
    assert len(survivor.code) == len("TH-7K3Q-9XPD")
    assert not set(survivor.code[3:].replace("-", "")) & set("01ILOU")


@pytest.mark.django_db(transaction=True)
def test_database_file_holds_no_plaintext_pii(make_survivor):
    if connection.vendor != "sqlite":
        pytest.skip("reads the SQLite file's bytes")
    make_survivor(
        given_name="Thidarat",
        family_name="Wongsawat",
        phone="+66 89 765 4321",
        address="12 Moo 4, Mae Sot",
        notes="Fled a fishing boat in Pattani",
    )
    raw = database_bytes()
    assert b"TH-" in raw  # the file is really the one written to
    for secret in ("Thidarat", "Wongsawat", "89 765 4321", "897654321", "Mae Sot", "Pattani"):
        assert secret.encode() not in raw
    assert Survivor.objects.get().given_name == "Thidarat"


@pytest.mark.django_db
def test_search_by_name_and_phone_uses_blind_indexes(cast, make_survivor):
    survivor = make_survivor()
    make_survivor(given_name="Other", family_name="Person", phone="0899999999")
    for query in (
        "somsri",
        "KAEWMANEE",
        "Kaewmanee Somsri",
        "081-234-5678",
        survivor.code,
        survivor.code[:7],
    ):
        found = list(survivor_list(cast.case_worker, SurvivorFilters(q=query)))
        assert found == [survivor], query


@pytest.mark.django_db
def test_deidentified_roles_search_by_code_only(cast, make_survivor):
    survivor = make_survivor()
    assert list(survivor_list(cast.me_officer, SurvivorFilters(q="Somsri"))) == []
    assert list(survivor_list(cast.me_officer, SurvivorFilters(q=survivor.code))) == [survivor]


@pytest.mark.django_db
def test_scope_isolation(cast, make_survivor):
    survivor = make_survivor()
    assert survivor_get(cast.case_worker, survivor.code) == survivor
    assert survivor_get(cast.me_officer, survivor.code) == survivor
    for outsider in (cast.other_case_worker, cast.donor, cast.pse_officer, cast.sysadmin):
        with pytest.raises(Http404):
            survivor_get(outsider, survivor.code)
        assert not survivors_visible_to(outsider).exists()


@pytest.mark.django_db
def test_pii_is_never_loaded_for_deidentified_roles(cast, make_survivor):
    make_survivor()
    survivor = survivors_visible_to(cast.me_officer).get()
    assert {"given_name", "family_name", "phone"} <= survivor.get_deferred_fields()


@pytest.mark.django_db
def test_possible_duplicates(cast, make_survivor):
    first = make_survivor()
    by_name = possible_duplicates(
        cast.case_worker, given_name="KAEWMANEE", family_name="somsri", birth_year=1998, phone=""
    )
    by_phone = possible_duplicates(
        cast.case_worker, given_name="X", family_name="Y", birth_year=None, phone="0812345678"
    )
    other_year = possible_duplicates(
        cast.case_worker, given_name="Somsri", family_name="Kaewmanee", birth_year=1990, phone=""
    )
    elsewhere = possible_duplicates(
        cast.other_case_worker,
        given_name="Somsri",
        family_name="Kaewmanee",
        birth_year=1998,
        phone="",
    )
    assert list(by_name) == [first]
    assert list(by_phone) == [first]
    assert list(other_year) == []
    assert list(elsewhere) == []  # another NGO is never told the person is registered


@pytest.mark.django_db
def test_update_records_which_fields_changed_without_values(cast, make_survivor):
    survivor = make_survivor()
    origin = SYSTEM
    changed = survivor_update(origin=origin, survivor=survivor, phone="0891112222", sex="female")
    assert changed == ["phone"]
    entry = AuditEntry.objects.filter(action=Action.CHANGE).latest("id")
    assert entry.detail == {"fields": ["phone"]}
    assert "0891112222" not in str(entry.detail)
    assert list(survivor_list(cast.case_worker, SurvivorFilters(q="089 111 2222"))) == [survivor]
    assert survivor_update(origin=origin, survivor=survivor, phone="0891112222") == []


@pytest.mark.django_db
def test_validation_names_the_field(make_survivor):
    with pytest.raises(ValidationError) as error:
        make_survivor(birth_year=2090)
    assert "birth_year" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        make_survivor(exploitation=["fishing"])
    assert "exploitation" in error.value.message_dict


@pytest.mark.django_db
def test_survivors_belong_to_partners_or_sites(cast, make_survivor):
    with pytest.raises(ValidationError) as error:
        make_survivor(org=cast.thailand)
    assert "organisation" in error.value.message_dict


@pytest.mark.django_db
def test_latest_consent_is_in_force(make_survivor):
    survivor = make_survivor()
    consent_record(
        origin=SYSTEM,
        survivor=survivor,
        purpose="referral",
        given=True,
        decided_on=dt.date(2026, 2, 1),
    )
    assert consent_is_given(survivor, "referral")
    consent_record(
        origin=SYSTEM,
        survivor=survivor,
        purpose="referral",
        given=False,
        decided_on=dt.date(2026, 3, 1),
    )
    assert not consent_is_given(survivor, "referral")
    assert not consent_is_given(survivor, "data_sharing")


@pytest.mark.django_db
def test_need_and_case_history(make_survivor):
    survivor = make_survivor()
    need_assess(origin=SYSTEM, survivor=survivor, category="legal", assessed_on=dt.date(2026, 2, 1))
    case_close(
        origin=SYSTEM, survivor=survivor, reason="reintegrated", closed_on=dt.date(2026, 6, 1)
    )
    types = list(
        CaseEvent.objects.filter(survivor=survivor).order_by("id").values_list("type", flat=True)
    )
    assert types == ["registered", "need_assessed", "closed"]
    with pytest.raises(ValidationError):
        case_close(
            origin=SYSTEM, survivor=survivor, reason="reintegrated", closed_on=dt.date(2025, 1, 1)
        )


@pytest.mark.django_db
def test_erasure_destroys_pii_and_keeps_the_record(cast, make_survivor):
    survivor = make_survivor(notes="sensitive")
    need_assess(
        origin=SYSTEM,
        survivor=survivor,
        category="health",
        assessed_on=dt.date(2026, 2, 1),
        notes="details",
    )
    survivor_erase_pii(origin=SYSTEM, survivor=survivor)
    survivor.refresh_from_db()
    assert (survivor.given_name, survivor.phone, survivor.notes, survivor.phone_index) == (
        "",
        "",
        "",
        "",
    )
    assert survivor.needs.get().notes == ""
    assert survivor.needs.get().category == "health"
    assert list(survivor_list(cast.case_worker, SurvivorFilters(q="Somsri"))) == []


@pytest.mark.django_db
def test_rotate_keys_reencrypts_and_keeps_search_working(cast, make_survivor):
    survivor = make_survivor()
    old_key = settings.CTIP_FIELD_KEYS or (settings.DATA_DIR / "field-keys").read_text().strip()
    new_key = new_field_key()
    with override_settings(CTIP_FIELD_KEYS=f"{new_key},{old_key}"):
        ring = _ring_for(f"{new_key},{old_key}")
        field_keys_rotate(origin=SYSTEM)
        stored = Survivor.objects.filter(pk=survivor.pk).values_list("phone", flat=True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT phone FROM cases_survivor WHERE id = %s", [survivor.pk])
            raw = cursor.fetchone()[0]
        assert ring.key_id_of(raw) == ring.primary_id
        assert list(stored) == ["+66 81 234 5678"]
        found = survivor_list(cast.case_worker, SurvivorFilters(q="0812345678"))
        assert list(found) == [survivor]
    with override_settings(CTIP_FIELD_KEYS=new_key):
        assert Survivor.objects.get(pk=survivor.pk).given_name == "Somsri"
