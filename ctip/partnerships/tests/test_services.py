import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from ctip.conftest import SYSTEM
from ctip.core.models import AuditEntry
from ctip.partnerships import metrics, services
from ctip.partnerships.models import (
    PIPELINE,
    Draft,
    EngagementEvent,
    EventType,
    PartnershipSettings,
    Stage,
)
from ctip.partnerships.tests.conftest import (
    LOW_SCORES,
    D,
    align,
    diligence,
    make_company,
    make_engagement,
    origin_of,
    sign,
    walk,
)

pytestmark = pytest.mark.django_db


# --- the concept-note gate ------------------------------------------------------------------


def _move(engagement, stage, on, user=None, **extra):
    return services.engagement_move(
        origin=origin_of(user), engagement=engagement, to_stage=stage, on=on, **extra
    )


def test_concept_note_refused_without_alignment_and_due_diligence(cast, engagement):
    walk(engagement, [(Stage.FIRST_MEETING, D(2026, 1, 20))])

    with pytest.raises(ValidationError) as refused:
        _move(engagement, Stage.CONCEPT_NOTE, D(2026, 3, 1))
    messages = refused.value.message_dict["stage"]
    assert len(messages) == 2
    assert "alignment record" in messages[0]
    assert "due diligence" in messages[1]

    with pytest.raises(ValidationError) as draft_refused:
        services.draft_save(
            origin=SYSTEM,
            engagement=engagement,
            kind="concept_note",
            title="Connectivity at sea",
            body="…",
        )
    assert len(draft_refused.value.message_dict["kind"]) == 2
    assert not Draft.objects.exists()
    engagement.refresh_from_db()
    assert engagement.stage == Stage.FIRST_MEETING


def test_concept_note_refused_with_alignment_but_no_due_diligence(cast, engagement):
    align(engagement, on=D(2026, 2, 1))
    with pytest.raises(ValidationError) as refused:
        _move(engagement, Stage.CONCEPT_NOTE, D(2026, 3, 1))
    assert refused.value.message_dict["stage"] == [
        "Complete the due diligence before the concept note."
    ]


def test_concept_note_refused_with_due_diligence_but_no_alignment(cast, engagement):
    diligence(engagement, on=D(2026, 2, 10))
    with pytest.raises(ValidationError) as refused:
        _move(engagement, Stage.CONCEPT_NOTE, D(2026, 3, 1))
    assert refused.value.message_dict["stage"] == [
        "Record the alignment record (shared interests) before the concept note."
    ]


def test_alignment_recorded_after_the_move_date_does_not_count(cast, engagement):
    align(engagement, on=D(2026, 3, 5))
    diligence(engagement, on=D(2026, 2, 10))
    with pytest.raises(ValidationError):
        _move(engagement, Stage.CONCEPT_NOTE, D(2026, 3, 1))
    _move(engagement, Stage.CONCEPT_NOTE, D(2026, 3, 5))


def test_concept_note_allowed_with_both_and_jumping_past_it_is_gated_too(cast, engagement):
    with pytest.raises(ValidationError):
        _move(engagement, Stage.NEGOTIATION, D(2026, 3, 1))
    align(engagement)
    diligence(engagement)
    _move(engagement, Stage.NEGOTIATION, D(2026, 3, 1))
    engagement.refresh_from_db()
    assert engagement.stage == Stage.NEGOTIATION


def test_expired_due_diligence_refuses_the_concept_note(cast, engagement):
    PartnershipSettings.objects.create(organisation=cast.implementer, due_diligence_valid_days=30)
    align(engagement, on=D(2026, 1, 10))
    review = diligence(engagement, on=D(2026, 2, 1))
    assert review.expires_on == D(2026, 3, 3)

    with pytest.raises(ValidationError) as refused:
        _move(engagement, Stage.CONCEPT_NOTE, D(2026, 3, 3))  # day 30: expired
    assert refused.value.message_dict["stage"] == [
        "The due diligence of 2026-02-01 expired on 2026-03-03: review the company again."
    ]
    _move(engagement, Stage.CONCEPT_NOTE, D(2026, 3, 2))  # day 29: current


def test_high_risk_rating_refuses_the_concept_note(cast, engagement):
    align(engagement)
    diligence(engagement, rating="high", scores=LOW_SCORES | {"sanctions": 3})
    with pytest.raises(ValidationError) as refused:
        _move(engagement, Stage.CONCEPT_NOTE, D(2026, 3, 1))
    assert "high risk" in refused.value.message_dict["stage"][0]


def test_agreement_signed_needs_a_signed_agreement(cast, engagement):
    walk(engagement, [(Stage.CONCEPT_NOTE, D(2026, 3, 1)), (Stage.NEGOTIATION, D(2026, 3, 10))])
    with pytest.raises(ValidationError) as refused:
        _move(engagement, Stage.AGREEMENT_SIGNED, D(2026, 4, 1))
    assert "signed MoU or partnership agreement" in refused.value.message_dict["stage"][0]
    services.agreement_record(
        origin=SYSTEM, engagement=engagement, kind="nda", title="NDA", signed_on=D(2026, 3, 20),
        nda_restrictions="Supplier names",
    )  # fmt: skip
    with pytest.raises(ValidationError):
        _move(engagement, Stage.AGREEMENT_SIGNED, D(2026, 4, 1))
    sign(engagement, on=D(2026, 4, 1))
    _move(engagement, Stage.AGREEMENT_SIGNED, D(2026, 4, 1))


def test_due_diligence_scores_and_links_are_validated(cast, engagement):
    with pytest.raises(ValidationError) as refused:
        services.due_diligence_record(
            origin=SYSTEM,
            engagement=engagement,
            reviewer=None,
            reviewed_on=D(2026, 2, 1),
            scores=LOW_SCORES | {"litigation": 4},
            rating="low",
            reasons="",
            evidence_links="not a link",
        )
    assert set(refused.value.message_dict) == {"litigation", "reasons", "evidence_links"}
    assert services.suggested_rating(LOW_SCORES) == "low"
    assert services.suggested_rating(LOW_SCORES | {"litigation": 2}) == "medium"
    assert services.suggested_rating(LOW_SCORES | {"sanctions": 2}) == "high"


# --- stage history --------------------------------------------------------------------------


def test_stage_history_is_complete_dated_and_attributed(cast, engagement):
    manager = cast.programme_manager
    steps = [
        (Stage.FIRST_MEETING, D(2026, 1, 20)),
        (Stage.INTERESTS_ALIGNED, D(2026, 2, 2)),
        (Stage.DUE_DILIGENCE, D(2026, 2, 9)),
        (Stage.CONCEPT_NOTE, D(2026, 3, 1)),
        (Stage.NEGOTIATION, D(2026, 3, 20)),
        (Stage.INTERESTS_ALIGNED, D(2026, 3, 25)),  # back a step: allowed, recorded
        (Stage.NEGOTIATION, D(2026, 4, 2)),
        (Stage.AGREEMENT_SIGNED, D(2026, 5, 4)),
    ]
    walk(engagement, steps, user=manager)
    _move(engagement, Stage.CLOSED, D(2026, 6, 1), user=manager, reason="funding")

    rows = list(
        EngagementEvent.objects.filter(engagement=engagement)
        .exclude(to_stage="")
        .values_list("type", "from_stage", "to_stage", "on", "by", "reason")
    )
    expected = [(EventType.CREATED, "", "landscape", D(2026, 1, 5), cast.pse_officer.pk, "")]
    previous = "landscape"
    for stage, on in steps:
        expected.append((EventType.STAGE_CHANGED, previous, stage, on, manager.pk, ""))
        previous = stage
    expected.append(
        (
            EventType.STAGE_CHANGED,
            "agreement_signed",
            "closed",
            D(2026, 6, 1),
            manager.pk,
            "funding",
        )
    )
    assert rows == expected
    engagement.refresh_from_db()
    assert (engagement.stage, engagement.stage_since, engagement.closed_reason) == (
        "closed",
        D(2026, 6, 1),
        "funding",
    )
    audits = AuditEntry.objects.filter(object_ref=str(engagement.uuid), detail__what="stage")
    assert audits.count() == len(steps) + 1


def test_a_move_needs_a_reason_to_close_and_cannot_be_dated_back(cast, engagement):
    walk(engagement, [(Stage.FIRST_MEETING, D(2026, 2, 1))])
    with pytest.raises(ValidationError) as no_reason:
        _move(engagement, Stage.CLOSED, D(2026, 3, 1))
    assert "reason" in no_reason.value.message_dict
    with pytest.raises(ValidationError) as earlier:
        _move(engagement, Stage.INTERESTS_ALIGNED, D(2026, 1, 31))
    assert "on" in earlier.value.message_dict
    with pytest.raises(ValidationError) as same:
        _move(engagement, Stage.FIRST_MEETING, D(2026, 3, 1))
    assert "stage" in same.value.message_dict
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ValidationError):
        _move(engagement, Stage.INTERESTS_ALIGNED, tomorrow)


def test_a_closed_engagement_reopens_through_the_gates(cast, engagement):
    walk(engagement, [(Stage.CONCEPT_NOTE, D(2026, 3, 1))])
    _move(engagement, Stage.CLOSED, D(2026, 3, 10), reason="company_withdrew")
    engagement.refresh_from_db()
    # Reopening into the pipeline passes the gates again (here they hold).
    _move(engagement, Stage.NEGOTIATION, D(2026, 4, 1))
    engagement.refresh_from_db()
    assert (engagement.stage, engagement.closed_reason) == ("negotiation", "")


# --- stalls ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "is_stalled"), [(89, False), (90, True), (91, True)], ids=["89", "90", "91"]
)
def test_stalled_across_the_90_day_boundary(cast, engagement, days, is_stalled):
    walk(engagement, [(Stage.FIRST_MEETING, D(2026, 2, 1))])
    today = D(2026, 2, 1) + dt.timedelta(days=days)
    engagement.refresh_from_db()

    assert metrics.is_stalled(engagement, today) is is_stalled
    found = metrics.stalled(type(engagement).objects.all(), today)
    assert list(found) == ([engagement] if is_stalled else [])
    # The same rule as at a past date, from the events (PSE-4's count).
    assert metrics.stalled_at(type(engagement).objects.all(), today).count() == int(is_stalled)


def test_a_stage_change_resets_the_stall_and_steady_states_never_stall(cast, engagement):
    walk(engagement, [(Stage.FIRST_MEETING, D(2026, 1, 10))])
    assert metrics.is_stalled(engagement, D(2026, 4, 10))
    walk(engagement, [(Stage.INTERESTS_ALIGNED, D(2026, 4, 15))])
    assert not metrics.is_stalled(engagement, D(2026, 4, 20))
    other = make_engagement(cast, make_company(cast, "Other"), on=D(2026, 1, 5))
    walk(
        other,
        [(Stage.CONCEPT_NOTE, D(2026, 1, 10)), (Stage.AGREEMENT_SIGNED, D(2026, 1, 20)),
         (Stage.IMPLEMENTATION, D(2026, 1, 25))],
    )  # fmt: skip
    assert not metrics.is_stalled(other, D(2026, 11, 1))
    # As at a date before the stage change, the old stage counted and it was stalled.
    queryset = type(engagement).objects.filter(pk=engagement.pk)
    assert metrics.stalled_at(queryset, D(2026, 4, 12)).count() == 1
    assert metrics.stalled_at(queryset, D(2026, 4, 20)).count() == 0


# --- the funnel and time in stages -----------------------------------------------------------


def test_funnel_counts_what_reached_each_stage_and_medians_use_completed_stays(cast):
    first = make_engagement(cast, make_company(cast, "A"), on=D(2026, 1, 1))
    second = make_engagement(cast, make_company(cast, "B"), on=D(2026, 1, 1))
    make_engagement(cast, make_company(cast, "C"), on=D(2026, 1, 1))
    walk(first, [(Stage.FIRST_MEETING, D(2026, 1, 11)), (Stage.INTERESTS_ALIGNED, D(2026, 1, 21))])
    walk(second, [(Stage.FIRST_MEETING, D(2026, 1, 31))])
    queryset = type(first).objects.all()

    funnel = dict(metrics.funnel(queryset))
    assert [funnel[stage] for stage in PIPELINE[:4]] == [3, 2, 1, 0]
    assert dict(metrics.funnel(queryset, on=D(2026, 1, 15)))["first_meeting"] == 1
    medians = metrics.median_days_in_stage(queryset)
    assert medians["landscape"] == 20  # stays of 10 and 30 days
    assert medians["first_meeting"] == 10
    assert medians["interests_aligned"] is None  # still there: not a completed stay
    counts = metrics.stage_counts(queryset)
    assert (counts["landscape"], counts["first_meeting"], counts["interests_aligned"]) == (1, 1, 1)


# --- funding horizon, check-ins, health -----------------------------------------------------


def test_partnership_running_past_confirmed_funding_is_flagged(cast, engagement):
    services.funding_year_set(
        origin=SYSTEM, country_project=cast.thailand, fiscal_year=2026,
        starts_on=D(2025, 10, 1), ends_on=D(2026, 9, 30), amount=Decimal("80000"),
        currency="USD", status="confirmed",
    )  # fmt: skip
    services.funding_year_set(
        origin=SYSTEM, country_project=cast.thailand, fiscal_year=2027,
        starts_on=D(2026, 10, 1), ends_on=D(2027, 9, 30), amount=Decimal("60000"),
        currency="USD", status="expected",
    )  # fmt: skip
    funded_to = metrics.confirmed_through(cast.thailand)
    assert funded_to == D(2026, 9, 30)
    assert metrics.runs_past_funding(D(2027, 3, 31), funded_to)
    assert not metrics.runs_past_funding(D(2026, 9, 30), funded_to)
    assert metrics.runs_past_funding(D(2026, 1, 1), None)
    sign(engagement, on=D(2026, 4, 1), ends_on=D(2027, 6, 30))
    row = metrics.with_partnership_end(type(engagement).objects.filter(pk=engagement.pk)).get()
    assert row.partnership_ends_on == D(2027, 6, 30)


def test_overdue_check_ins_are_listed(cast, company):
    engagement = make_engagement(cast, company, check_in_days=30)
    services.check_in_record(origin=SYSTEM, engagement=engagement, on=D(2026, 3, 1), mode="call")
    queryset = type(engagement).objects.all()
    assert metrics.check_ins_due(queryset, D(2026, 3, 31)) == []
    due = metrics.check_ins_due(queryset, D(2026, 4, 5))
    assert [(d.engagement, d.due_on, d.days_overdue) for d in due] == [
        (engagement, D(2026, 3, 31), 5)
    ]


def test_health_check_means_strengths_and_concerns(cast, engagement):
    factors = ["shared_goals", "trust", "communication", "resource_parity", "decision_making",
               "progress", "sustainability"]  # fmt: skip
    company = dict(zip(factors, [5, 4, 3, 2, 4, 3, 5], strict=True))
    project = dict(zip(factors, [4, 4, 3, 3, 3, 2, None], strict=True))
    ratings = {("company", f): s for f, s in company.items()}
    ratings |= {("project", f): s for f, s in project.items()}
    check = services.health_check_record(
        origin=SYSTEM, engagement=engagement, on=D(2026, 5, 1), ratings=ratings
    )
    summary = metrics.health_summary(check)
    means = {f.factor: f.mean for f in summary.factors}
    assert means == {
        "shared_goals": 4.5, "trust": 4.0, "communication": 3.0, "resource_parity": 2.5,
        "decision_making": 3.5, "progress": 2.5, "sustainability": 5.0,
    }  # fmt: skip
    assert [f.factor for f in summary.strengths] == ["shared_goals", "trust", "sustainability"]
    assert [f.factor for f in summary.concerns] == ["resource_parity", "progress"]

    with pytest.raises(ValidationError) as refused:
        services.health_check_record(
            origin=SYSTEM,
            engagement=engagement,
            on=D(2026, 5, 1),
            ratings={("company", "trust"): 6},
        )
    assert refused.value.message_dict["company_trust"] == ["Rate from 1 to 5."]
    assert "project_shared_goals" in refused.value.message_dict


# --- actions: the levels' definitions --------------------------------------------------------


def test_action_levels_follow_their_definitions(cast, engagement):
    def log(level, **extra):
        return services.action_log(
            origin=SYSTEM, engagement=engagement, on=D(2026, 5, 1), level=level,
            description="Meeting", **extra,
        )  # fmt: skip

    with pytest.raises(ValidationError) as high:
        log("high")
    assert "agreement" in high.value.message_dict
    unfunded = sign(engagement, company_money=False)
    with pytest.raises(ValidationError):
        log("high", agreement=unfunded)
    funded = sign(engagement)
    assert log("high", agreement=funded).level == "high"

    with pytest.raises(ValidationError) as medium:
        log("medium")
    assert set(medium.value.message_dict) == {"government_present", "expected_policy_change"}
    assert log("medium", government_present=True, expected_policy_change="Port rules").level
    assert log("low").agreement is None


# --- the registry ---------------------------------------------------------------------------


def test_company_names_are_unique_per_registry_and_countries_checked(cast):
    make_company(cast, "Mekong Garments", operating_countries=["kh", "TH"])
    with pytest.raises(ValidationError) as same:
        make_company(cast, "mekong garments")
    assert "name" in same.value.message_dict
    with pytest.raises(ValidationError) as countries:
        make_company(cast, "Other", operating_countries=["XX"])
    assert "operating_countries" in countries.value.message_dict


def test_a_country_project_engages_a_company_once(cast, company):
    make_engagement(cast, company)
    with pytest.raises(ValidationError):
        make_engagement(cast, company)
    with pytest.raises(ValidationError):
        make_engagement(cast, company, project=cast.ngo_a)
    assert make_engagement(cast, company, project=cast.cambodia).organisation == cast.cambodia


def test_avoided_terms_are_cleaned_and_drafts_warn(cast, engagement):
    services.engagement_update(
        origin=SYSTEM,
        engagement=engagement,
        avoided_terms="  trafficking \n\nforced   labour\nTrafficking\n",
        framing="safe migration",
    )
    engagement.refresh_from_db()
    assert engagement.avoided_term_list == ["trafficking", "forced labour"]
    draft, hits = services.draft_save(
        origin=SYSTEM,
        engagement=engagement,
        kind="message",
        title="Follow-up",
        body="Thanks for the meeting.\nOur work on Trafficking and FORCED\nlabour…",
    )
    assert [(h.term, h.field, h.line, h.found) for h in hits] == [
        ("trafficking", "text", 2, "Trafficking"),
        ("forced labour", "text", 2, "FORCED\nlabour"),
    ]
    event = EngagementEvent.objects.get(type=EventType.DRAFT_SAVED)
    assert event.data["avoided_terms"] == ["forced labour", "trafficking"]
    assert draft.kind == "message"
