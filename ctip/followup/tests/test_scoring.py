"""The instrument engine against worked examples, computed by hand in the comments."""

import json

import pytest

from ctip.followup import scoring
from ctip.followup.scoring import AnswerError, InstrumentError

CATALOGUE = scoring.shipped()


def sheet(values) -> dict:
    return {str(index): value for index, value in enumerate(values, start=1)}


def test_the_shipped_files_load_and_cite_their_sources():
    assert sorted(CATALOGUE.instruments) == [
        "gad7", "ghq12_ghq", "ghq12_likert", "phq9", "reintegration", "who5"
    ]  # fmt: skip
    assert [i.code for i in CATALOGUE.usable()] == ["gad7", "phq9", "reintegration", "who5"]
    for instrument in CATALOGUE.instruments.values():
        assert instrument.citation and instrument.licence
    assert CATALOGUE.weights["reintegration"].version == "equal-1"
    assert "Equal weights" in CATALOGUE.weights["reintegration"].label["en"]


def test_ghq12_wording_is_never_shipped():
    for path in scoring.INSTRUMENT_DIR.glob("ghq12*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        assert "items" not in data and "options" not in data
    assert CATALOGUE.instrument("ghq12_ghq").items == ()


def test_who5_worked_example():
    who5 = CATALOGUE.instrument("who5")
    # 3 + 3 + 2 + 4 + 1 = 13 raw; × 4 = 52 %: above the 50 cut-off.
    result = scoring.score(who5, sheet([3, 3, 2, 4, 1]))
    assert (result.raw, result.value) == (13, 52)
    assert result.band.key == "adequate"
    assert (result.cutoff, result.meets_cutoff) == (50, True)
    # 12 raw = 48 %: poor well-being; 7 raw = 28 %: likely depression (≤ 28).
    assert scoring.score(who5, sheet([3, 3, 2, 3, 1])).band.key == "poor"
    low = scoring.score(who5, sheet([2, 1, 1, 2, 1]))
    assert (low.value, low.band.key, low.meets_cutoff) == (28, "likely_depression", False)
    assert scoring.score(who5, sheet([5] * 5)).value == 100
    assert scoring.score(who5, sheet([0] * 5)).value == 0
    assert who5.mid == 10


def test_phq9_worked_example_bands_alert_and_country_cutoff():
    phq9 = CATALOGUE.instrument("phq9")
    # 1 + 2 + 1 + 3 + 0 + 1 + 2 + 0 + 1 = 11: moderate (10–14); item 9 above 0 raises the alert.
    result = scoring.score(phq9, sheet([1, 2, 1, 3, 0, 1, 2, 0, 1]))
    assert (result.value, result.band.key, result.meets_cutoff) == (11, "moderate", False)
    assert [alert["item"] for alert in result.alerts] == ["9"]
    nine = sheet([1, 1, 1, 1, 1, 1, 1, 2, 0])  # 9, item 9 = 0
    default = scoring.score(phq9, nine)
    assert (default.value, default.band.key, default.alerts) == (9, "mild", ())
    assert (default.cutoff, default.meets_cutoff) == (10, True)
    thai = scoring.score(phq9, nine, country="TH")  # the Thai validation's cut-off is 9
    assert (thai.cutoff, thai.meets_cutoff) == (9, False)
    bands = [scoring.score(phq9, sheet([3] * k + [0] * (9 - k))).band.key for k in (1, 2, 4, 6, 9)]
    assert bands == ["minimal", "mild", "moderate", "moderately_severe", "severe"]
    assert phq9.mid == 5


def test_gad7_worked_example():
    gad7 = CATALOGUE.instrument("gad7")
    result = scoring.score(gad7, sheet([3, 3, 2, 2, 1, 1, 3]))  # 15: severe (15–21)
    assert (result.value, result.band.key, result.meets_cutoff) == (15, "severe", False)
    assert scoring.score(gad7, sheet([1, 1, 1, 1, 0, 0, 0])).band.key == "minimal"  # 4
    assert gad7.mid == 4


REINTEGRATION = {
    # economic: e1 5 → 1.0, e2 4 → 0.75, e3 2 reversed to 4 → 0.75, e4 3 → 0.5: mean 0.75
    "e1": 5, "e2": 4, "e3": 2, "e4": 3,
    # social: 1.0, 0.75, 0.75, s4 1 reversed to 5 → 1.0: mean 0.875
    "s1": 5, "s2": 4, "s3": 4, "s4": 1,
    # psychosocial: 0.75, 1.0, p3 2 reversed → 0.75, 0.75, p5 1 reversed → 1.0: mean 0.85
    "p1": 4, "p2": 5, "p3": 2, "p4": 4, "p5": 1,
}  # fmt: skip


def test_reintegration_with_reverse_items_and_equal_weights():
    instrument = CATALOGUE.instrument("reintegration")
    result = scoring.score(
        instrument, REINTEGRATION, weights=CATALOGUE.weight_set(instrument), country="TH"
    )
    assert result.dimensions == {"economic": 0.75, "social": 0.875, "psychosocial": 0.85}
    assert result.value == 0.825  # (0.75 + 0.875 + 0.85) / 3
    assert (result.band.key, result.meets_cutoff) == ("high", True)
    assert (result.instrument_version, result.weight_set_version) == ("1.0", "equal-1")


def test_reintegration_with_an_organisations_own_weights():
    instrument = CATALOGUE.instrument("reintegration")
    weights = scoring.parse(
        {
            "kind": "weights",
            "code": "reintegration",
            "version": "th-2027",
            "label": {"en": "Thailand weights from the 2027 survey"},
            "weights": {"economic": 1, "social": 0, "psychosocial": 1},
        }
    )
    result = scoring.score(instrument, REINTEGRATION, weights=weights)
    assert result.value == 0.8  # (0.75 + 0.85) / 2: social weighs nothing here
    assert result.weight_set_version == "th-2027"


def _made_up(method: str, **scoring_extra) -> scoring.Instrument:
    return scoring.parse_instrument(
        {
            "code": "made_up",
            "version": "1",
            "name": {"en": "Made-up scale"},
            "languages": ["en"],
            "options": [{"value": v, "label": {"en": f"option {v}"}} for v in range(5)],
            "items": [
                {"id": "a", "text": {"en": "A"}},
                {"id": "b", "text": {"en": "B"}, "reverse": True},
                {"id": "c", "text": {"en": "C"}},
            ],
            "scoring": {
                "method": method,
                "min": 0,
                "max": 12,
                "higher_is_better": True,
                **scoring_extra,
            },
            "citation": "none",
            "licence": "none",
        }
    )


def test_reverse_items_in_sum_mean_and_recode():
    answers = {"a": 4, "b": 1, "c": 2}
    # b is reversed on 0–4: 1 → 3. Sum 4 + 3 + 2 = 9; mean 3.
    assert scoring.score(_made_up("sum"), answers).value == 9
    assert scoring.score(_made_up("mean"), answers).value == 3
    # Recode then sum (reverse first): 4 → 2, 3 → 1, 2 → 1 with 0-0-1-1-2.
    recoded = _made_up("recode_sum", recode={"0": 0, "1": 0, "2": 1, "3": 1, "4": 2})
    assert scoring.score(recoded, answers).value == 4


LICENSED_GHQ = {
    "kind": "licensed_items",
    "for": "ghq12",
    "version": "test-org-2026",
    "licence": "Made-up wording for tests; not the GHQ-12.",
    "languages": ["en"],
    "items": [
        {
            "id": str(n),
            "text": {"en": f"Made-up question {n}"},
            "options": [{"value": v, "label": {"en": f"made-up answer {v}"}} for v in range(4)],
        }
        for n in range(1, 13)
    ],
}
GHQ_SHEET = sheet([0, 1, 2, 3, 1, 2, 0, 3, 2, 1, 1, 0])


def test_ghq12_ghq_method_on_a_made_up_sheet():
    catalogue = CATALOGUE.copy()
    catalogue.add(scoring.parse(LICENSED_GHQ))
    ghq = catalogue.instrument("ghq12_ghq")
    assert ghq.has_items and ghq.full_version == "1988+test-org-2026"
    # 0-0-1-1: one point for each answer in the third or fourth option: 2, 3, 2, 3, 2 → 5.
    result = scoring.score(ghq, GHQ_SHEET)
    assert (result.value, result.band.key, result.meets_cutoff) == (5, "probable_distress", False)


def test_ghq12_likert_method_on_the_same_sheet():
    catalogue = CATALOGUE.copy()
    catalogue.add(scoring.parse(LICENSED_GHQ))
    likert = catalogue.instrument("ghq12_likert")
    # 0-1-2-3: 0+1+2+3+1+2+0+3+2+1+1+0 = 16.
    result = scoring.score(likert, GHQ_SHEET)
    assert (result.value, result.meets_cutoff) == (16, None)


def test_licensed_wording_must_match_the_instrument():
    short = dict(LICENSED_GHQ, items=LICENSED_GHQ["items"][:11])
    with pytest.raises(InstrumentError, match="has 12 items; the file has 11"):
        scoring.attach_items(CATALOGUE.instruments["ghq12_ghq"], scoring.parse(short))


def test_answers_are_checked():
    who5 = CATALOGUE.instrument("who5")
    with pytest.raises(AnswerError) as error:
        scoring.score(who5, {"1": 3, "2": 9, "3": 1, "4": 1, "9": 1})
    assert error.value.problems == {
        "9": "no such item",
        "2": "9 is not one of 5, 4, 3, 2, 1, 0",
        "5": "not answered",
    }
    with pytest.raises(AnswerError, match="no item wording"):
        scoring.score(CATALOGUE.instrument("ghq12_ghq"), GHQ_SHEET)
    with pytest.raises(AnswerError, match="needs a weight set"):
        scoring.score(CATALOGUE.instrument("reintegration"), REINTEGRATION)


def test_a_total_without_answers_is_checked_against_the_range():
    phq9 = CATALOGUE.instrument("phq9")
    assert scoring.score_given(phq9, 12).band.key == "moderate"
    with pytest.raises(AnswerError, match="outside PHQ-9's range 0–27"):
        scoring.score_given(phq9, 28)


def test_a_bad_file_lists_every_problem():
    with pytest.raises(InstrumentError) as error:
        scoring.parse({"kind": "instrument", "code": "Bad Code", "scoring": {"method": "median"}})
    problems = error.value.problems
    assert "code must be 2 to 40 lower-case letters, digits or '_'" in problems
    assert "scoring.method must be one of sum, mean, recode_sum, weighted_dimensions" in problems
    assert "citation must be given: say where the instrument comes from" in problems
    with pytest.raises(InstrumentError, match="kind must be one of"):
        scoring.parse({"kind": "poem"})
