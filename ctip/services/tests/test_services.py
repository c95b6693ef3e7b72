"""The writes of `services`: the need rule, one-off support, the referral loop, transfers."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from ctip.cases.models import CaseEvent, CaseEventType, Need, NeedStatus, Survivor
from ctip.cases.selectors import survivor_get
from ctip.conftest import SYSTEM
from ctip.core.audit import Action, Origin
from ctip.core.models import AuditEntry
from ctip.services import selectors
from ctip.services.models import (
    REFERRAL_TRANSITIONS,
    BusinessSupport,
    CaseTransfer,
    ProjectServiceSettings,
    Referral,
    ReferralEvent,
    ReferralStatus,
    ServiceEpisode,
)
from ctip.services.services import (
    RECEIVER,
    SENDER,
    episode_close,
    episode_record,
    episode_update,
    livelihood_record,
    referral_send,
    referral_set_status,
    service_settings_set,
    transfer_accept,
    transfer_cancel,
    transfer_decline,
    transfer_request,
)

D = dt.date


def as_user(user):
    return Origin(user=user, source="tests")


# --- episodes: the need rule -----------------------------------------------------------------


def test_counting_type_without_a_need_is_refused_with_a_clear_message(cast, make_survivor, types):
    survivor = make_survivor()
    with pytest.raises(ValidationError) as error:
        episode_record(
            origin=SYSTEM,
            survivor=survivor,
            service_type=types["legal_aid"],
            provider=cast.gov_provider,
            started_on=D(2026, 1, 20),
        )
    assert error.value.message_dict == {
        "need": [
            "Legal aid counts as a service, so it must answer one of the survivor's assessed "
            "needs (Legal). Assess the need first, or record a one-off support instead."
        ]
    }
    assert ServiceEpisode.objects.count() == 0


def test_need_of_another_category_or_survivor_is_refused(cast, make_survivor, types, need):
    survivor, other = make_survivor(), make_survivor()
    shelter = need(survivor, "shelter")
    with pytest.raises(ValidationError) as error:
        episode_record(
            origin=SYSTEM,
            survivor=survivor,
            service_type=types["legal_aid"],
            provider=cast.gov_provider,
            need=shelter,
            started_on=D(2026, 1, 20),
        )
    assert error.value.message_dict == {
        "need": ["Legal aid meets Legal needs; the need chosen is Shelter."]
    }
    with pytest.raises(ValidationError) as error:
        episode_record(
            origin=SYSTEM,
            survivor=other,
            service_type=types["shelter"],
            provider=cast.gov_provider,
            need=shelter,
            started_on=D(2026, 1, 20),
        )
    assert error.value.message_dict == {"need": ["This need belongs to another survivor."]}


def test_episode_with_its_need_is_recorded_with_event_and_audit(cast, make_survivor, types, need):
    survivor = make_survivor()
    legal = need(survivor, "legal")
    episode = episode_record(
        origin=as_user(cast.case_worker),
        survivor=survivor,
        service_type=types["legal_aid"],
        provider=cast.gov_provider,
        need=legal,
        started_on=D(2026, 1, 20),
        sessions=3,
        notes="Court date in March",
    )
    episode.refresh_from_db()
    assert (episode.organisation, episode.status, episode.sessions) == (
        cast.ngo_a,
        "ongoing",
        3,
    )
    assert episode.notes == "Court date in March"
    event = CaseEvent.objects.get(type=CaseEventType.EPISODE_RECORDED)
    assert event.data == {
        "episode": str(episode.uuid),
        "service_type": "legal_aid",
        "counted": True,
    }
    entry = AuditEntry.objects.filter(action=Action.CREATE, object_ref=survivor.code).latest("id")
    assert entry.detail == {"episode": str(episode.uuid), "service_type": "legal_aid"}
    assert "Court" not in str(entry.detail)


def test_one_off_support_needs_no_need_and_is_marked_not_counted(cast, make_survivor, types):
    survivor = make_survivor()
    episode = episode_record(
        origin=SYSTEM,
        survivor=survivor,
        service_type=types["transport"],
        provider=cast.ngo_a,
        started_on=D(2026, 1, 20),
        ended_on=D(2026, 1, 20),
        status="completed",
    )
    assert episode.need is None
    assert CaseEvent.objects.get(type=CaseEventType.EPISODE_RECORDED).data["counted"] is False


def test_retired_type_cannot_be_chosen_for_a_new_episode(cast, make_survivor, types):
    transport = types["transport"]
    transport.active = False
    transport.save()
    with pytest.raises(ValidationError) as error:
        episode_record(
            origin=SYSTEM,
            survivor=make_survivor(),
            service_type=transport,
            provider=cast.ngo_a,
            started_on=D(2026, 1, 20),
        )
    assert error.value.message_dict == {
        "service_type": ["Transport is retired from the catalogue."]
    }


def test_dates_and_status_must_agree(cast, make_survivor, types):
    survivor = make_survivor()
    base = dict(
        origin=SYSTEM, survivor=survivor, service_type=types["transport"], provider=cast.ngo_a
    )
    with pytest.raises(ValidationError) as error:
        episode_record(
            **base, started_on=D(2026, 1, 20), ended_on=D(2026, 1, 19), status="completed"
        )
    assert error.value.message_dict == {"ended_on": ["An episode cannot end before it started."]}
    with pytest.raises(ValidationError) as error:
        episode_record(**base, started_on=D(2026, 1, 20), status="completed")
    assert error.value.message_dict == {
        "ended_on": ["A completed or discontinued episode needs its end date."]
    }
    with pytest.raises(ValidationError) as error:
        episode_record(**base, started_on=D(2999, 1, 1))
    assert error.value.message_dict == {"started_on": ["An episode cannot start in the future."]}


def test_close_completed_or_discontinued_with_reason(cast, make_survivor, types, need):
    survivor = make_survivor()
    episode = episode_record(
        origin=SYSTEM,
        survivor=survivor,
        service_type=types["psychosocial"],
        provider=cast.ngo_a,
        need=need(survivor, "mental_health"),
        started_on=D(2026, 1, 20),
    )
    with pytest.raises(ValidationError) as error:
        episode_close(origin=SYSTEM, episode=episode, status="discontinued", ended_on=D(2026, 2, 1))
    assert error.value.message_dict == {
        "discontinued_reason": ["Say why the episode was discontinued."]
    }
    episode_close(
        origin=SYSTEM,
        episode=episode,
        status="discontinued",
        ended_on=D(2026, 2, 1),
        discontinued_reason="moved",
    )
    episode.refresh_from_db()
    assert (episode.status, episode.ended_on, episode.discontinued_reason) == (
        "discontinued",
        D(2026, 2, 1),
        "moved",
    )
    with pytest.raises(ValidationError) as error:
        episode_close(origin=SYSTEM, episode=episode, status="completed", ended_on=D(2026, 2, 2))
    assert error.value.message_dict == {"status": ["This episode is already closed."]}
    assert CaseEvent.objects.get(type=CaseEventType.EPISODE_CLOSED).data == {
        "episode": str(episode.uuid),
        "status": "discontinued",
        "on": "2026-02-01",
        "reason": "moved",
    }


def test_update_reports_what_changed_and_rechecks_the_rule(cast, make_survivor, types, need):
    survivor = make_survivor()
    episode = episode_record(
        origin=SYSTEM,
        survivor=survivor,
        service_type=types["transport"],
        provider=cast.ngo_a,
        started_on=D(2026, 1, 20),
    )
    assert episode_update(origin=SYSTEM, episode=episode, sessions=2, provider=cast.ngo_a) == [
        "sessions"
    ]
    with pytest.raises(ValidationError) as error:
        episode_update(origin=SYSTEM, episode=episode, service_type=types["medical"])
    assert list(error.value.message_dict) == ["need"]
    health = need(survivor, "health")
    assert episode_update(
        origin=SYSTEM, episode=episode, service_type=types["medical"], need=health
    ) == ["service_type", "need"]


# --- referrals -------------------------------------------------------------------------------


def send(survivor, types, cast, need_obj, **extra):
    values = dict(
        origin=as_user(cast.case_worker),
        survivor=survivor,
        service_type=types["legal_aid"],
        to_provider=cast.gov_provider,
        need=need_obj,
        sent_on=D(2026, 1, 20),
    )
    return referral_send(**(values | extra))


def test_referral_without_consent_is_refused_saying_so(cast, make_survivor, types, need, consent):
    survivor = make_survivor()
    legal = need(survivor)
    message = (
        "This survivor has not given consent to be referred (or has withdrawn it). Record the "
        "survivor's referral consent on the case page first: without it ctip will not send a "
        "referral."
    )
    with pytest.raises(ValidationError) as error:
        send(survivor, types, cast, legal)
    assert error.value.messages == [message]
    consent(survivor, given=True, on=D(2026, 1, 16))
    consent(survivor, given=False, on=D(2026, 1, 17))  # withdrawn: the latest decision wins
    with pytest.raises(ValidationError) as error:
        send(survivor, types, cast, legal)
    assert error.value.messages == [message]
    assert Referral.objects.count() == 0


def test_referral_sent_with_consent_records_event_case_event_and_audit(
    cast, make_survivor, types, need, consent
):
    survivor = make_survivor()
    consent(survivor, on=D(2026, 1, 16))
    referral = send(survivor, types, cast, need(survivor), note="Speaks Burmese only")
    referral.refresh_from_db()
    assert (referral.status, referral.status_on, referral.consent_on, referral.organisation) == (
        "sent",
        D(2026, 1, 20),
        D(2026, 1, 16),
        cast.ngo_a,
    )
    event = ReferralEvent.objects.get()
    assert (event.status, event.on, event.by, event.by_organisation) == (
        "sent",
        D(2026, 1, 20),
        cast.case_worker,
        cast.ngo_a,
    )
    assert CaseEvent.objects.filter(type=CaseEventType.REFERRAL_SENT).count() == 1
    entry = AuditEntry.objects.filter(object_ref=survivor.code, action=Action.CREATE).latest("id")
    assert entry.detail == {
        "referral": str(referral.uuid),
        "to": "th-dsdw",
        "service_type": "legal_aid",
    }


def test_referral_before_the_consent_date_is_refused(cast, make_survivor, types, need, consent):
    survivor = make_survivor()
    consent(survivor, on=D(2026, 1, 25))
    with pytest.raises(ValidationError) as error:
        send(survivor, types, cast, need(survivor), sent_on=D(2026, 1, 20))
    assert error.value.message_dict == {
        "sent_on": [
            "The referral consent dates from 2026-01-25, after this referral: consent comes first."
        ]
    }


def test_referral_to_own_organisation_is_refused(cast, make_survivor, types, need, consent):
    survivor = make_survivor()
    consent(survivor)
    with pytest.raises(ValidationError) as error:
        send(survivor, types, cast, need(survivor), to_provider=cast.ngo_a)
    assert list(error.value.message_dict) == ["to_provider"]


@pytest.fixture
def referral(cast, make_survivor, types, need, consent):
    survivor = make_survivor()
    consent(survivor)
    return send(survivor, types, cast, need(survivor))


def step(referral, status, on, side=RECEIVER, reason="", user=None):
    return referral_set_status(
        origin=SYSTEM if user is None else as_user(user),
        referral=referral,
        status=status,
        on=on,
        side=side,
        organisation=referral.to_provider if side == RECEIVER else referral.organisation,
        reason=reason,
    )


def test_the_loop_sent_accepted_started_completed_makes_and_closes_the_episode(cast, referral):
    step(referral, "accepted", D(2026, 1, 22))
    step(referral, "service_started", D(2026, 1, 26))
    referral.refresh_from_db()
    episode = referral.episode
    assert (episode.survivor, episode.service_type.code, episode.provider, episode.need) == (
        referral.survivor,
        "legal_aid",
        cast.gov_provider,
        referral.need,
    )
    assert (episode.started_on, episode.status, referral.service_started_on) == (
        D(2026, 1, 26),
        "ongoing",
        D(2026, 1, 26),
    )
    step(referral, "completed", D(2026, 3, 1))
    episode.refresh_from_db()
    assert (episode.status, episode.ended_on) == ("completed", D(2026, 3, 1))
    assert list(referral.events.values_list("status", "on")) == [
        ("sent", D(2026, 1, 20)),
        ("accepted", D(2026, 1, 22)),
        ("service_started", D(2026, 1, 26)),
        ("completed", D(2026, 3, 1)),
    ]


def test_service_started_links_an_existing_unlinked_episode(cast, referral):
    existing = episode_record(
        origin=SYSTEM,
        survivor=referral.survivor,
        service_type=referral.service_type,
        provider=cast.gov_provider,
        need=referral.need,
        started_on=D(2026, 1, 26),
    )
    step(referral, "service_started", D(2026, 1, 26))
    referral.refresh_from_db()
    assert referral.episode == existing
    assert ServiceEpisode.objects.count() == 1


@pytest.mark.parametrize(
    "current",
    [s for s in ReferralStatus.values],
)
def test_every_illegal_transition_is_refused(cast, referral, current):
    Referral.objects.filter(pk=referral.pk).update(status=current)
    referral.refresh_from_db()
    for status in ReferralStatus.values:
        if status in REFERRAL_TRANSITIONS[current]:
            continue
        with pytest.raises(ValidationError) as error:
            step(referral, status, D(2026, 1, 25), side=SENDER, reason="other")
        assert list(error.value.message_dict) == ["status"], (current, status)
    assert ReferralEvent.objects.count() == 1


def test_illegal_transition_message(referral):
    step(referral, "declined", D(2026, 1, 21), reason="no_capacity")
    with pytest.raises(ValidationError) as error:
        step(referral, "accepted", D(2026, 1, 22))
    assert error.value.message_dict == {
        "status": ["A referral that is Declined cannot become Accepted."]
    }


def test_receiver_cannot_withdraw_and_reasons_are_required(referral):
    with pytest.raises(ValidationError) as error:
        step(referral, "withdrawn", D(2026, 1, 22), reason="sent_in_error")
    assert error.value.message_dict == {
        "status": ["Only the referring organisation can withdraw a referral."]
    }
    with pytest.raises(ValidationError) as error:
        step(referral, "declined", D(2026, 1, 22))
    assert error.value.message_dict == {"reason": ["Say why."]}
    with pytest.raises(ValidationError) as error:
        step(referral, "accepted", D(2026, 1, 19))
    assert error.value.message_dict == {
        "on": ["The date cannot be before the referral's last change (2026-01-20)."]
    }
    step(referral, "withdrawn", D(2026, 1, 22), side=SENDER, reason="sent_in_error")
    referral.refresh_from_db()
    assert referral.status == "withdrawn"


def test_unanswered_worklist_boundary_is_14_days(cast, make_survivor, types, need, consent):
    survivor = make_survivor()
    consent(survivor, on=D(2026, 1, 1))
    today = D(2026, 3, 31)
    on_day_14 = send(survivor, types, cast, need(survivor), sent_on=D(2026, 3, 17))
    send(survivor, types, cast, need(survivor), sent_on=D(2026, 3, 18))  # 13 days: not yet
    answered = send(survivor, types, cast, need(survivor), sent_on=D(2026, 1, 5))
    step(answered, "accepted", D(2026, 1, 6))
    queryset = selectors.referrals_unanswered(Referral.objects.all(), today=today)
    assert list(queryset) == [on_day_14]
    assert selectors.unanswered_cutoff(today) == D(2026, 3, 17)


# --- scoping ---------------------------------------------------------------------------------


def test_provider_user_sees_only_referrals_sent_to_it(cast, referral, provider_user, make_survivor):
    other_org = make_survivor(org=cast.ngo_b)
    assert list(selectors.referrals_received_by(provider_user)) == [referral]
    assert list(selectors.referrals_visible_to(provider_user)) == [referral]
    assert selectors.referral_side(provider_user, referral) == "receiver"
    assert list(selectors.referrals_visible_to(cast.other_case_worker)) == []
    assert list(selectors.referrals_received_by(cast.me_officer)) == []
    assert list(selectors.referrals_visible_to(cast.me_officer)) == [referral]
    assert selectors.referral_side(cast.case_worker, referral) == "sender"
    with pytest.raises(Http404):
        survivor_get(provider_user, referral.survivor.code)
    assert other_org.pk


# --- transfers -------------------------------------------------------------------------------


def test_transfer_needs_data_sharing_consent(cast, make_survivor, consent):
    survivor = make_survivor()
    with pytest.raises(ValidationError) as error:
        transfer_request(
            origin=SYSTEM, survivor=survivor, to_organisation=cast.ngo_kh, reason="returns_home"
        )
    assert error.value.messages == [
        "This survivor has not given consent to share their data with another organisation (or "
        "has withdrawn it). Record that consent first: without it the case cannot be transferred."
    ]
    assert CaseTransfer.objects.count() == 0


def test_transfer_accepted_moves_the_case_and_the_sender_loses_access(
    cast, make_survivor, consent, need, types, referral
):
    survivor = referral.survivor
    consent(survivor, "data_sharing")
    met = need(survivor, "shelter")
    Need.objects.filter(pk=met.pk).update(status=NeedStatus.MET)
    done = episode_record(
        origin=SYSTEM,
        survivor=survivor,
        service_type=types["shelter"],
        provider=cast.ngo_a,
        need=met,
        started_on=D(2026, 1, 17),
        ended_on=D(2026, 1, 19),
        status="completed",
    )
    transfer = transfer_request(
        origin=as_user(cast.case_worker),
        survivor=survivor,
        to_organisation=cast.ngo_kh,
        reason="returns_home",
    )
    with pytest.raises(ValidationError):
        transfer_request(
            origin=SYSTEM, survivor=survivor, to_organisation=cast.ngo_b, reason="moves"
        )
    # Pending: still the sender's.
    assert survivor_get(cast.case_worker, survivor.code) == survivor
    kh_worker = cast.other_case_worker
    kh_worker.organisation = cast.ngo_kh
    kh_worker.save()

    transfer_accept(origin=as_user(kh_worker), transfer=transfer)

    survivor = Survivor.objects.get(pk=survivor.pk)
    assert (survivor.organisation, survivor.case_worker) == (cast.ngo_kh, None)
    assert Referral.objects.get().organisation == cast.ngo_kh  # open: moves
    assert Need.objects.get(pk=referral.need_id).organisation == cast.ngo_kh  # open: moves
    assert Need.objects.get(pk=met.pk).organisation == cast.ngo_a  # met: stays
    assert ServiceEpisode.objects.get(pk=done.pk).organisation == cast.ngo_a  # closed: stays
    with pytest.raises(Http404):
        survivor_get(cast.case_worker, survivor.code)
    assert list(selectors.episodes_visible_to(cast.case_worker)) == []
    assert list(selectors.referrals_visible_to(cast.case_worker)) == []
    assert survivor_get(kh_worker, survivor.code) == survivor
    assert selectors.episodes_visible_to(kh_worker).get() == done
    transfer.refresh_from_db()
    assert (transfer.status, transfer.decided_by) == ("accepted", kh_worker)
    trail = AuditEntry.objects.filter(object_ref=survivor.code, detail__transfer="accepted")
    assert sorted(trail.values_list("organisation_code", flat=True)) == ["kh-ngo", "th-ngo-a"]
    # The sender keeps its record of the hand-over (no survivor data beyond the code).
    assert list(selectors.transfers_outgoing(cast.case_worker)) == [transfer]
    assert list(selectors.transfers_incoming(kh_worker)) == [transfer]
    with pytest.raises(ValidationError):
        transfer_accept(origin=SYSTEM, transfer=transfer)


def test_transfer_declined_or_cancelled_leaves_the_case(cast, make_survivor, consent):
    survivor = make_survivor()
    consent(survivor, "data_sharing")
    first = transfer_request(
        origin=SYSTEM, survivor=survivor, to_organisation=cast.ngo_b, reason="moves"
    )
    transfer_decline(origin=SYSTEM, transfer=first, reason="no_capacity")
    second = transfer_request(
        origin=SYSTEM, survivor=survivor, to_organisation=cast.ngo_b, reason="moves"
    )
    transfer_cancel(origin=SYSTEM, transfer=second)
    survivor.refresh_from_db()
    assert survivor.organisation == cast.ngo_a
    assert list(CaseTransfer.objects.order_by("id").values_list("status", "decision_note")) == [
        ("declined", "no_capacity"),
        ("cancelled", ""),
    ]


# --- livelihood -------------------------------------------------------------------------------


def test_grants_that_differ_from_the_standard_are_listed(cast, make_survivor, types, need):
    service_settings_set(
        origin=SYSTEM,
        project=cast.thailand,
        standard_grant_amount=Decimal("15000"),
        standard_grant_currency="thb",
    )
    assert ProjectServiceSettings.objects.get().standard_grant_currency == "THB"
    survivor = make_survivor()
    livelihood = need(survivor, "livelihood")
    grants = []
    for amount, currency in ((15000, "THB"), (20000, "THB"), (15000, "USD")):
        episode = episode_record(
            origin=SYSTEM,
            survivor=survivor,
            service_type=types["business_support"],
            provider=cast.ngo_a,
            need=livelihood,
            started_on=D(2026, 1, 20),
        )
        grants.append(
            livelihood_record(
                origin=SYSTEM,
                episode=episode,
                business="Noodle stall",
                grant_amount=Decimal(amount),
                grant_currency=currency,
                microfinance_referral=False,
            )
        )
    differing = selectors.grants_differing(cast.me_officer)
    assert sorted(b.pk for b in differing) == [grants[1].pk, grants[2].pk]
    assert list(selectors.grants_differing(cast.donor)) == []
    assert BusinessSupport.objects.count() == 3


def test_job_placement_checks(cast, make_survivor, types, need):
    survivor = make_survivor()
    episode = episode_record(
        origin=SYSTEM,
        survivor=survivor,
        service_type=types["job_placement"],
        provider=cast.ngo_a,
        need=need(survivor, "livelihood"),
        started_on=D(2026, 1, 20),
    )
    with pytest.raises(ValidationError) as error:
        livelihood_record(
            origin=SYSTEM,
            episode=episode,
            employer="Andaman Seafood",
            role="Packer",
            wage=Decimal("350"),
            wage_currency="",
            start_date=D(2026, 1, 19),
        )
    assert error.value.message_dict == {
        "wage_currency": ["Give the wage's currency."],
        "start_date": ["The job cannot start before the episode did."],
    }
    with pytest.raises(TypeError):
        livelihood_record(origin=SYSTEM, episode=episode, course="Sewing")
