"""The screening rule on worked examples, one per path (docs/screening.md, same table)."""

from ctip.screening.questionnaire import LANGUAGES, structure, texts
from ctip.screening.rule import screen_evaluate
from ctip.screening.tests.conftest import ADULT_NO_MEANS, CHILD, NEGATIVE, POSITIVE_ADULT


def test_positive_adult_act_means_purpose_suggests_referral():
    result = screen_evaluate(POSITIVE_ADULT, age="adult")
    assert result.positive_dimensions == ["recruitment", "duress"]
    assert (result.dimensions["recruitment"].strong, result.dimensions["recruitment"].medium) == (
        1,
        0,
    )
    assert (result.act, result.means, result.purpose) == (True, True, True)
    assert result.child is False
    assert result.suggests_referral is True


def test_negative_one_medium_indicator_is_not_a_positive_dimension():
    result = screen_evaluate(NEGATIVE, age="adult")
    assert result.dimensions["duress"].medium == 1
    assert result.positive_dimensions == []
    assert result.any_positive is False
    assert (result.act, result.means, result.purpose) == (True, False, False)
    assert result.suggests_referral is False


def test_child_needs_act_and_purpose_only():
    result = screen_evaluate(CHILD, age="under_18")
    assert result.positive_dimensions == ["duress"]
    assert (result.act, result.means, result.purpose) == (True, False, True)
    assert result.suggests_referral is True
    # The same answers from an adult: the means element is missing, no referral suggested.
    assert screen_evaluate(CHILD, age="adult").suggests_referral is False


def test_age_not_sure_is_treated_as_a_child():
    result = screen_evaluate(CHILD, age="not_sure")
    assert result.child is True
    assert result.suggests_referral is True


def test_adult_without_means_is_not_suggested():
    result = screen_evaluate(ADULT_NO_MEANS, age="adult")
    assert result.positive_dimensions == ["duress"]
    assert result.dimensions["duress"].strong == 2
    assert (result.act, result.means, result.purpose) == (True, False, True)
    assert result.suggests_referral is False


def test_two_medium_indicators_make_a_dimension_positive():
    one = screen_evaluate({"rec_debt": "yes"}, age="adult")
    two = screen_evaluate({"rec_debt": "yes", "rec_deceived_conditions": "yes"}, age="adult")
    assert one.dimensions["recruitment"].positive is False
    assert two.dimensions["recruitment"].positive is True
    assert two.means is True
    # Recruitment items also describe the act.
    assert two.act is True


def test_means_from_penalty_and_purpose_from_leaving():
    answers = {"act_moved": "yes", "pen_documents": "yes", "lea_not_free": "yes"}
    result = screen_evaluate(answers, age="adult")
    assert result.positive_dimensions == ["leaving", "penalty"]
    assert result.suggests_referral is True


def test_unsure_and_no_count_as_no():
    answers = {item: "unsure" for item in structure().item_ids}
    answers |= {"act_recruited": "no"}
    result = screen_evaluate(answers, age="under_18")
    assert result.any_positive is False
    assert result.act is False
    assert result.suggests_referral is False


def test_every_language_has_every_text_and_non_english_is_flagged_machine_made():
    english = texts("en").texts
    assert texts("en").machine_translated is False
    for code in LANGUAGES:
        words = texts(code)
        assert words.language == code
        assert set(words.texts["items"]) == set(structure().item_ids), code
        assert set(words.texts["ui"]) == set(english["ui"]), code
        assert set(words.texts["age"]) == set(english["age"]), code
        assert "{org}" in words.texts["ui"]["contact"], code
        if code != "en":
            assert words.machine_translated is True, code
            # The agreed wording travels with every translation.
            assert "refer for formal identification" in words.texts["ui"]["result_refer"], code


def test_result_wording_is_never_a_legal_finding():
    for code in LANGUAGES:
        ui = texts(code).texts["ui"]
        for key in ("result_refer", "result_no_refer", "rule"):
            lowered = ui[key].lower()
            assert "victim" not in lowered, (code, key)
            assert "trafficked" not in lowered, (code, key)
    assert "refer for formal identification" in texts("en").texts["ui"]["result_refer"]
