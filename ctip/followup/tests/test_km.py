"""Kaplan–Meier against textbook examples with censoring."""

import pytest

from ctip.followup.km import at_risk_at, curve_points, kaplan_meier, survival_at

# Freireich et al. (1963), 6-MP arm: remission times in weeks, False = censored. The classic
# example of Kleinbaum & Klein, "Survival Analysis: A Self-Learning Text", chapter 2.
SIX_MP = [
    (6, True), (6, True), (6, True), (6, False), (7, True), (9, False), (10, True), (10, False),
    (11, False), (13, True), (16, True), (17, False), (19, False), (20, False), (22, True),
    (23, True), (25, False), (32, False), (32, False), (34, False), (35, False),
]  # fmt: skip


def test_freireich_6mp_curve():
    steps = kaplan_meier(SIX_MP)
    assert [(s.time, s.at_risk, s.events) for s in steps] == [
        (6, 21, 3),
        (7, 17, 1),
        (10, 15, 1),
        (13, 12, 1),
        (16, 11, 1),
        (22, 7, 1),
        (23, 6, 1),
    ]
    # The textbook's S(t), to three decimals.
    assert [round(s.survival, 3) for s in steps] == [
        0.857, 0.807, 0.753, 0.690, 0.627, 0.538, 0.448
    ]  # fmt: skip


def test_values_between_and_after_the_steps():
    steps = kaplan_meier(SIX_MP)
    assert survival_at(steps, 5.9) == 1.0
    assert survival_at(steps, 6) == pytest.approx(18 / 21)
    assert survival_at(steps, 12) == pytest.approx(18 / 21 * 16 / 17 * 14 / 15)
    assert survival_at(steps, 100) == pytest.approx(0.448, abs=5e-4)
    assert at_risk_at(SIX_MP, 10) == 15


def test_small_hand_computed_example():
    """Six people followed for contact (months): lost at 2, censored at 3, lost at 4 twice,
    censored at 5, lost at 7.

    S(2) = 5/6; at 4 four are at risk (the one censored at 3 has left), two lost:
    S(4) = 5/6 × 2/4;
    at 7 one at risk, lost: S(7) = 0.
    """
    observations = [(2, True), (3, False), (4, True), (4, True), (5, False), (7, True)]
    steps = kaplan_meier(observations)
    assert [(s.time, s.at_risk, s.events) for s in steps] == [(2, 6, 1), (4, 4, 2), (7, 1, 1)]
    assert survival_at(steps, 3) == pytest.approx(5 / 6)
    assert survival_at(steps, 4) == pytest.approx(5 / 6 * 2 / 4)
    assert survival_at(steps, 7) == 0


def test_a_tie_counts_the_loss_before_the_censoring():
    steps = kaplan_meier([(3, True), (3, False), (5, False)])
    assert steps[0].at_risk == 3
    assert survival_at(steps, 3) == pytest.approx(2 / 3)


def test_nobody_lost_and_nobody_observed():
    assert kaplan_meier([(6, False), (12, False)]) == []
    assert survival_at([], 12) == 1.0
    assert kaplan_meier([]) == []


def test_curve_points_stop_at_the_longest_follow_up():
    points = curve_points([(2, True), (3, False), (4, True), (4, True), (5, False)], months=8)
    assert points == [
        (0, 100.0), (1, 100.0), (2, 80.0), (3, 80.0), (4, 26.7), (5, 26.7),
        (6, None), (7, None), (8, None),
    ]  # fmt: skip
    assert curve_points([], months=2) == [(0, None), (1, None), (2, None)]
