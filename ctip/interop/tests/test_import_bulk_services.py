"""The bulk services imports write through: same checks, codes, indexes and events as one by one."""

import datetime as dt

import pytest

from ctip.cases import services
from ctip.cases.models import CaseEvent, CaseEventType, Need, Survivor
from ctip.cases.services import BulkValidationError, needs_bulk_assess, survivors_bulk_register
from ctip.conftest import SYSTEM
from ctip.core.crypto import full_name_index, phone_index


def entry(cast, **values):
    return {
        "organisation": cast.ngo_a,
        "sex": "female",
        "birth_year": 1990,
        "identified_on": dt.date(2026, 1, 2),
        "given_name": " Mya ",
        "family_name": "Aye",
        "phone": "081 555 0101",
    } | values


def test_bulk_register_matches_register(cast):
    created = survivors_bulk_register(
        origin=SYSTEM,
        entries=[entry(cast, ref="A"), entry(cast, ref="B", organisation=cast.ngo_kh)],
    )

    assert [s.pk is not None for s in created] == [True, True]
    first, second = Survivor.objects.get(ref="A"), Survivor.objects.get(ref="B")
    assert first.code.startswith("TH-") and second.code.startswith("KH-")
    assert first.given_name == "Mya"
    assert first.full_name_index == full_name_index("Mya", "Aye")
    assert first.phone_index == phone_index("0815550101")
    assert first.opened_on == dt.date(2026, 1, 2)
    assert list(CaseEvent.objects.filter(survivor=first).values_list("type", "data")) == [
        (CaseEventType.REGISTERED, {})
    ]


def test_bulk_register_checks_every_entry_and_saves_nothing_on_error(cast):
    with pytest.raises(BulkValidationError) as error:
        survivors_bulk_register(
            origin=SYSTEM,
            entries=[
                entry(cast, ref="A"),
                entry(cast, ref="B", birth_year=2090),
                entry(cast, ref="C", organisation=cast.thailand),
            ],
        )
    assert sorted(error.value.by_index) == [1, 2]
    assert error.value.by_index[1].message_dict == {
        "birth_year": ["2090 is not a plausible birth year."]
    }
    assert Survivor.objects.count() == 0


def test_bulk_register_draws_again_when_a_code_is_taken(cast, make_survivor, monkeypatch):
    taken = make_survivor().code
    # Drawn: one taken in the database, then the same new code twice within the batch.
    codes = iter([taken, "TH-2222-2222", "TH-2222-2222", "TH-3333-3333"])
    monkeypatch.setattr(services, "survivor_code_new", lambda country: next(codes))

    created = survivors_bulk_register(
        origin=SYSTEM, entries=[entry(cast, ref="A"), entry(cast, ref="B")]
    )

    assert sorted(s.code for s in created) == ["TH-2222-2222", "TH-3333-3333"]
    assert Survivor.objects.count() == 3


def test_bulk_assess_matches_assess(cast, make_survivor):
    survivor = make_survivor()
    needs = needs_bulk_assess(
        origin=SYSTEM,
        entries=[
            {"survivor": survivor, "category": "shelter", "assessed_on": dt.date(2026, 1, 3),
             "status": "open", "ref": "N-1"},
            {"survivor": survivor, "category": "legal", "assessed_on": dt.date(2026, 1, 4),
             "status": "met", "ref": "N-2"},
        ],
    )  # fmt: skip

    assert Need.objects.get(ref="N-2").organisation == cast.ngo_a
    events = CaseEvent.objects.filter(survivor=survivor, type=CaseEventType.NEED_ASSESSED)
    assert sorted(e.data["category"] for e in events) == ["legal", "shelter"]
    assert {e.data["need"] for e in events} == {str(n.uuid) for n in needs}

    with pytest.raises(BulkValidationError) as error:
        needs_bulk_assess(
            origin=SYSTEM,
            entries=[
                {"survivor": survivor, "category": "flying", "assessed_on": dt.date(2026, 1, 3)}
            ],
        )
    assert list(error.value.by_index[0].message_dict) == ["category"]
    assert Need.objects.count() == 2
