"""The long-term cohort: a stratified random draw that repeats exactly with its seed."""

import datetime as dt
from collections import Counter

import pytest
from django.core.exceptions import ValidationError

from ctip.conftest import SYSTEM
from ctip.followup.models import CohortMember, ScheduleKind
from ctip.followup.services import (
    FrameEntry,
    cohort_allocate,
    cohort_draw,
    cohort_frame,
    cohort_sample,
    cohort_verify,
)
from ctip.followup.tests.conftest import consent

D = dt.date


def test_allocation_is_proportional_by_largest_remainder():
    assert cohort_allocate({"a": 20, "b": 10, "c": 10}, 8) == {"a": 4, "b": 2, "c": 2}
    # 50 × (45, 30, 25) / 100 = 22.5, 15, 12.5: the two halves go to the larger stratum first.
    assert cohort_allocate({"a": 45, "b": 30, "c": 25}, 50) == {"a": 23, "b": 15, "c": 12}
    assert cohort_allocate({"a": 3, "b": 1}, 50) == {"a": 3, "b": 1}  # everyone, no more


def test_the_same_seed_draws_the_same_people():
    frame = [FrameEntry(i, f"TH-{i:04d}", ["f|labour|th", "m|labour|th", "f|sexual|kh"][i % 3])
             for i in range(90)]  # fmt: skip
    first = cohort_sample(frame, 12, seed=20260115)
    assert cohort_sample(list(reversed(frame)), 12, seed=20260115) == first  # order-proof
    assert cohort_sample(frame, 12, seed=7) != first
    assert Counter(e.stratum for e in first) == {
        "f|labour|th": 4,
        "m|labour|th": 4,
        "f|sexual|kh": 4,
    }


@pytest.fixture
def population(cast, make_survivor):
    """24 survivors with consent over three strata, and 2 without consent."""
    plan = [("female", "labour", cast.ngo_a)] * 12 + [("male", "labour", cast.ngo_a)] * 6
    plan += [("female", "sexual", cast.ngo_kh)] * 6
    survivors = []
    for index, (sex, form, org) in enumerate(plan):
        survivor = make_survivor(
            org=org, sex=sex, exploitation=[form], given_name=f"P{index}", phone=""
        )
        consent(survivor, on=D(2026, 1, 15))
        survivors.append(survivor)
    for index in range(2):
        make_survivor(given_name=f"No consent {index}", phone="")
    return survivors


def test_cohort_draw_repeats_and_respects_strata(cast, population):
    cohort = cohort_draw(
        origin=SYSTEM,
        organisation=cast.implementer,
        name="Five-year cohort 2026",
        size=8,
        seed=424242,
        as_of=D(2026, 2, 1),
        today=D(2026, 2, 1),
    )
    assert (cohort.frame_size, cohort.seed, cohort.strata) == (
        24, 424242, "sex,exploitation,country_project"
    )  # fmt: skip
    members = list(cohort.members.order_by("draw_order"))
    # 24 people: 12 / 6 / 6 → 8 places: 4 / 2 / 2.
    assert Counter(m.stratum for m in members) == {
        "female|labour|th": 4,
        "male|labour|th": 2,
        "female|sexual|kh": 2,
    }
    for member in members:
        survivor = member.survivor
        expected = f"{survivor.sex}|{survivor.exploitation_list[0]}|"
        assert member.stratum.startswith(expected)
    check = cohort_verify(cohort)
    assert check.ok and check.frame_size == 24

    again = cohort_draw(
        origin=SYSTEM,
        organisation=cast.implementer,
        name="The same draw, repeated",
        size=8,
        seed=424242,
        as_of=D(2026, 2, 1),
        today=D(2026, 2, 1),
    )
    assert list(again.members.order_by("draw_order").values_list("survivor_id", flat=True)) == [
        m.survivor_id for m in members
    ]
    assert again.frame_sha256 == cohort.frame_sha256


def test_cohort_members_get_the_long_schedule(cast, population):
    cohort = cohort_draw(
        origin=SYSTEM,
        organisation=cast.thailand,
        name="Thailand cohort",
        size=3,
        seed=1,
        as_of=D(2026, 1, 20),
        today=D(2026, 1, 20),
    )
    member = cohort.members.first().survivor
    months = sorted(member.followups.values_list("month", flat=True))
    assert months[-1] == 120 and 18 in months
    assert set(member.followups.values_list("schedule", flat=True)) == {ScheduleKind.COHORT}
    assert {m.stratum.split("|")[2] for m in cohort.members.all()} == {"th"}
    assert member.followup_events.filter(type="cohort_joined").count() == 1


def test_the_frame_is_as_of_its_date(cast, population):
    assert len(cohort_frame(cast.implementer, D(2026, 1, 14))) == 0  # consent given on the 15th
    assert len(cohort_frame(cast.implementer, D(2026, 1, 15))) == 24
    with pytest.raises(ValidationError, match="Nobody can be drawn"):
        cohort_draw(
            origin=SYSTEM,
            organisation=cast.implementer,
            name="Too early",
            as_of=D(2026, 1, 1),
            today=D(2026, 1, 1),
        )
    assert CohortMember.objects.count() == 0
