"""MMAT 2018 and CASP appraisals: recorded criterion by criterion, never as one score."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from ctip.conftest import SYSTEM
from ctip.evidence.criteria import CriteriaError, criteria_for
from ctip.evidence.models import Appraisal, AppraisalAnswer, Study
from ctip.evidence.selectors import Quality, with_quality
from ctip.evidence.services import appraisal_record
from ctip.evidence.tests.conftest import answers_for


def codes(tool, design="", component=""):
    return [c.code for c in criteria_for(tool, design, component)]


def test_mmat_criteria_per_design_category():
    assert codes("mmat", "qualitative") == ["S1", "S2", "1.1", "1.2", "1.3", "1.4", "1.5"]
    assert codes("mmat", "quant_randomised") == ["S1", "S2", "2.1", "2.2", "2.3", "2.4", "2.5"]
    assert codes("mmat", "quant_nonrandomised")[2:] == ["3.1", "3.2", "3.3", "3.4", "3.5"]
    assert codes("mmat", "quant_descriptive")[2:] == ["4.1", "4.2", "4.3", "4.4", "4.5"]
    # Mixed methods: screening, the qualitative component, the quantitative one, then 5.x.
    mixed = codes("mmat", "mixed", "quant_nonrandomised")
    assert len(mixed) == 17
    assert mixed[:7] == ["S1", "S2", "1.1", "1.2", "1.3", "1.4", "1.5"]
    assert mixed[7:12] == ["3.1", "3.2", "3.3", "3.4", "3.5"]
    assert mixed[12:] == ["5.1", "5.2", "5.3", "5.4", "5.5"]
    assert codes("casp") == [f"CASP{n}" for n in range(1, 11)]


def test_mmat_wording_follows_the_user_guide():
    texts = {c.code: str(c.text) for c in criteria_for("mmat", "quant_randomised")}
    assert texts["S2"] == "Do the collected data allow to address the research questions?"
    assert texts["2.4"] == "Are outcome assessors blinded to the intervention provided?"


def test_criteria_refuse_what_mmat_does_not_appraise():
    with pytest.raises(CriteriaError):
        criteria_for("mmat", "not_empirical")
    with pytest.raises(CriteriaError):
        criteria_for("mmat", "mixed")  # no quantitative component chosen


def test_an_appraisal_keeps_every_criterion_with_its_answer_and_reason(make_study, appraise):
    study = make_study(design="quant_descriptive")
    appraisal = appraise(
        study, design="quant_descriptive", not_yes={"4.2": "no", "4.4": "cant_tell"}
    )
    rows = list(appraisal.answers.order_by("id").values_list("criterion", "answer", "reason"))
    assert rows == [
        ("S1", "yes", "Reason for S1."),
        ("S2", "yes", "Reason for S2."),
        ("4.1", "yes", "Reason for 4.1."),
        ("4.2", "no", "Reason for 4.2."),
        ("4.3", "yes", "Reason for 4.3."),
        ("4.4", "cant_tell", "Reason for 4.4."),
        ("4.5", "yes", "Reason for 4.5."),
    ]
    assert appraisal.appraiser is None and appraisal.appraised_on == dt.date(2026, 1, 10)


def test_no_score_is_stored_anywhere():
    for model in (Study, Appraisal, AppraisalAnswer):
        names = {field.name for field in model._meta.get_fields()}
        assert not any("score" in name or "rating" in name for name in names), model


def test_a_second_reviewer_adds_an_appraisal_and_doubt_counts(make_study, appraise):
    study = make_study(design="qualitative")
    appraise(study)
    assert with_quality(Study.objects.filter(pk=study.pk)).get().quality == Quality.MET
    appraise(study, tool="casp", not_yes={"CASP6": "cant_tell"})
    assert study.appraisals.count() == 2
    assert AppraisalAnswer.objects.filter(appraisal__study=study).count() == 7 + 10
    assert with_quality(Study.objects.filter(pk=study.pk)).get().quality == Quality.NOT_MET


def test_every_criterion_needs_an_answer_and_a_reason(make_study):
    study = make_study()
    answers = answers_for("mmat", "qualitative")
    answers["1.3"] = ("yes", "   ")
    answers["1.4"] = ("maybe", "Because.")
    del answers["S2"]
    with pytest.raises(ValidationError) as caught:
        appraisal_record(
            origin=SYSTEM,
            study=study,
            tool="mmat",
            design="qualitative",
            appraised_on=dt.date(2026, 1, 1),
            answers=answers,
        )
    errors = caught.value.message_dict
    assert errors["1.3"] == ["Write the reason for this answer."]
    assert errors["1.4"] == ["Answer yes, no or can't tell."]
    assert set(errors) == {"S2", "1.3", "1.4"}
    assert Appraisal.objects.count() == 0 and AppraisalAnswer.objects.count() == 0


def test_criteria_of_another_design_and_future_dates_are_refused(make_study):
    study = make_study()
    answers = answers_for("mmat", "qualitative")
    answers["2.1"] = ("yes", "Not a criterion here.")
    with pytest.raises(ValidationError) as caught:
        appraisal_record(
            origin=SYSTEM,
            study=study,
            tool="mmat",
            design="qualitative",
            appraised_on=dt.date(2999, 1, 1),
            answers=answers,
        )
    errors = caught.value.message_dict
    assert errors["__all__"] == ["Not criteria of this appraisal: 2.1."]
    assert errors["appraised_on"] == ["The date of the appraisal cannot be in the future."]
    assert Appraisal.objects.count() == 0
