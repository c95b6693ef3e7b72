"""Helpers of the evidence tests: a study and an appraisal in one call each."""

import datetime as dt

import pytest

from ctip.conftest import SYSTEM
from ctip.evidence.criteria import criteria_for
from ctip.evidence.services import appraisal_record, study_create


def answers_for(tool, design="", component="", *, not_yes=()):
    """Every criterion answered "yes" with a reason, except those in ``not_yes`` (code → answer)."""
    answers = {}
    for criterion in criteria_for(tool, design, component):
        answer = dict(not_yes).get(criterion.code, "yes")
        answers[criterion.code] = (answer, f"Reason for {criterion.code}.")
    return answers


@pytest.fixture
def make_study(cast):
    def make(organisation=None, **values):
        defaults = {"title": "A study", "year": 2020}
        defaults.update(values)
        return study_create(
            origin=SYSTEM, organisation=organisation or cast.implementer, **defaults
        )

    return make


@pytest.fixture
def appraise():
    def record(study, tool="mmat", design="qualitative", component="", *, not_yes=(), **extra):
        return appraisal_record(
            origin=SYSTEM,
            study=study,
            tool=tool,
            design=design,
            quantitative_component=component,
            appraised_on=extra.pop("appraised_on", dt.date(2026, 1, 10)),
            answers=answers_for(tool, design, component, not_yes=not_yes),
            **extra,
        )

    return record
