"""Recording a follow-up with the assessments taken; outcome events; loaded definitions."""

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError

from ctip.conftest import SYSTEM
from ctip.followup.models import Assessment, LoadedDefinition
from ctip.followup.services import (
    AnswerSheet,
    assessment_record,
    definition_load,
    followup_record,
    outcome_record,
    schedule_generate,
)
from ctip.followup.tests.test_scoring import LICENSED_GHQ, REINTEGRATION

D = dt.date
WHO5 = {"1": 3, "2": 3, "3": 2, "4": 4, "5": 1}  # 52 %


@pytest.fixture
def survivor(followed):
    survivor = followed()
    schedule_generate(origin=SYSTEM, survivor=survivor, today=D(2026, 1, 15))
    return survivor


def test_reached_with_assessments_stores_scores_and_versions(survivor):
    followup = survivor.followups.get(month=1)
    followup, assessments = followup_record(
        origin=SYSTEM,
        followup=followup,
        result="reached",
        done_on=D(2026, 2, 16),
        note="Doing well at her sister's.",
        sheets=[
            AnswerSheet("who5", WHO5, "en"),
            AnswerSheet("reintegration", REINTEGRATION, "th"),
        ],
        today=D(2026, 2, 16),
    )
    assert (followup.status, followup.result, followup.done_on) == (
        "done",
        "reached",
        D(2026, 2, 16),
    )
    who5, reintegration = assessments
    assert (who5.score, who5.raw_score, who5.band, who5.instrument_version) == (
        52, 13, "adequate", "1998"
    )  # fmt: skip
    assert (who5.meets_cutoff, who5.mid, who5.sequence, who5.first_score) == (True, 10, 1, 52)
    assert json.loads(Assessment.objects.get(pk=who5.pk).answers) == WHO5
    assert (reintegration.score, reintegration.weight_set_version) == (0.825, "equal-1")
    assert dict(reintegration.dimension_scores.values_list("dimension", "score")) == {
        "economic": 0.75,
        "social": 0.875,
        "psychosocial": 0.85,
    }
    assert reintegration.followup == followup
    types = list(survivor.followup_events.order_by("id").values_list("type", flat=True))
    assert types[-3:] == ["assessment_recorded", "assessment_recorded", "followup_recorded"]


def test_sequence_and_first_score_follow_the_dates(survivor):
    later = assessment_record(
        origin=SYSTEM, survivor=survivor, instrument_code="who5",
        answers={"1": 4, "2": 4, "3": 4, "4": 4, "5": 4}, taken_on=D(2026, 6, 1),
        today=D(2026, 6, 1),
    )  # fmt: skip
    earlier = assessment_record(
        origin=SYSTEM, survivor=survivor, instrument_code="who5", answers=WHO5,
        taken_on=D(2026, 2, 1), today=D(2026, 6, 1),
    )  # fmt: skip
    later.refresh_from_db()
    earlier.refresh_from_db()
    assert (earlier.sequence, earlier.first_score) == (1, 52)
    assert (later.sequence, later.score, later.first_score) == (2, 80, 52)


def test_phq9_item_9_raises_an_alert(survivor):
    assessment = assessment_record(
        origin=SYSTEM, survivor=survivor, instrument_code="phq9",
        answers={str(i): 1 for i in range(1, 10)}, taken_on=D(2026, 2, 1), today=D(2026, 2, 1),
    )  # fmt: skip
    assert assessment.score == 9 and assessment.cutoff == 9  # Thailand's cut-off
    assert assessment.meets_cutoff is False
    assert [alert["item"] for alert in assessment.alerts] == ["9"]


def test_what_a_follow_up_result_needs(survivor):
    followup = survivor.followups.get(month=1)
    with pytest.raises(ValidationError) as error:
        followup_record(
            origin=SYSTEM,
            followup=followup,
            result="not_reached",
            done_on=D(2027, 1, 1),
            sheets=[AnswerSheet("who5", WHO5)],
            today=D(2026, 2, 16),
        )
    assert error.value.message_dict == {
        "__all__": ["Assessments are taken only when the survivor was reached."],
        "done_on": ["The date cannot be in the future."],
    }
    with pytest.raises(ValidationError) as error:
        followup_record(
            origin=SYSTEM,
            followup=followup,
            result="reached",
            done_on=D(2026, 2, 16),
            sheets=[AnswerSheet("who5", {"1": 3})],
            today=D(2026, 2, 16),
        )
    assert "2: not answered" in error.value.message_dict["answers"]
    followup.refresh_from_db()
    assert followup.status == "pending"  # nothing half-written
    assert Assessment.objects.count() == 0


def test_outcome_events_need_their_details(survivor, cast):
    from ctip.core.audit import Origin

    origin = Origin(user=cast.case_worker, source="tests")
    event = outcome_record(
        origin=origin, survivor=survivor, kind="remigrated", occurred_on=D(2026, 5, 1),
        source="family", destination_country="my", migration_support="licensed_agency",
    )  # fmt: skip
    assert (event.destination_country, event.created_by) == ("MY", cast.case_worker)
    with pytest.raises(ValidationError) as error:
        outcome_record(
            origin=origin, survivor=survivor, kind="employment", occurred_on=D(2026, 5, 1),
            source="survivor", monthly_income=9000,
        )  # fmt: skip
    assert set(error.value.message_dict) == {"employment_status", "income_currency"}
    with pytest.raises(ValidationError) as error:
        outcome_record(
            origin=origin, survivor=survivor, kind="safety", occurred_on=D(2026, 5, 1),
            source="survivor",
        )  # fmt: skip
    assert set(error.value.message_dict) == {"feels_safe"}


def test_an_organisation_loads_its_licensed_ghq12_wording(survivor, cast):
    loaded = definition_load(
        origin=SYSTEM,
        organisation=cast.ngo_a,
        content=json.dumps(LICENSED_GHQ),
        file_name="ghq12-licensed.json",
    )
    assert (loaded.kind, loaded.code, loaded.version) == (
        "licensed_items",
        "ghq12",
        "test-org-2026",
    )
    answers = {str(n): v for n, v in enumerate([0, 1, 2, 3, 1, 2, 0, 3, 2, 1, 1, 0], start=1)}
    ghq = assessment_record(
        origin=SYSTEM, survivor=survivor, instrument_code="ghq12_ghq", answers=answers,
        taken_on=D(2026, 2, 1), today=D(2026, 2, 1),
    )  # fmt: skip
    assert (ghq.score, ghq.instrument_version) == (5, "1988+test-org-2026")
    # Another NGO has no licence: the wording is not there for its survivors.
    from ctip.followup.selectors import catalogue_for

    assert "ghq12_ghq" not in [i.code for i in catalogue_for(cast.ngo_b).usable()]
    assert "ghq12_ghq" in [i.code for i in catalogue_for(cast.site_a).usable()]
    with pytest.raises(ValidationError, match="has 12 items; the file has 3"):
        definition_load(
            origin=SYSTEM,
            organisation=cast.ngo_b,
            content=json.dumps(dict(LICENSED_GHQ, items=LICENSED_GHQ["items"][:3])),
        )
    assert LoadedDefinition.objects.count() == 1


def test_an_organisation_loads_its_own_weights(survivor, cast):
    weights = {
        "kind": "weights",
        "code": "reintegration",
        "version": "th-2027",
        "label": {"en": "Thailand survey weights"},
        "weights": {"economic": 1, "social": 0, "psychosocial": 1},
    }
    definition_load(origin=SYSTEM, organisation=cast.thailand, content=json.dumps(weights))
    assessment = assessment_record(
        origin=SYSTEM, survivor=survivor, instrument_code="reintegration", answers=REINTEGRATION,
        taken_on=D(2026, 2, 1), today=D(2026, 2, 1),
    )  # fmt: skip
    assert (assessment.score, assessment.weight_set_version) == (0.8, "th-2027")
    with pytest.raises(ValidationError, match="miss the dimensions social"):
        definition_load(
            origin=SYSTEM,
            organisation=cast.thailand,
            content=json.dumps(
                dict(weights, version="x", weights={"economic": 1, "psychosocial": 1})
            ),
        )
