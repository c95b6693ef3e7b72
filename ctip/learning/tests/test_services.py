import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from ctip.conftest import SYSTEM
from ctip.core.audit import Origin
from ctip.learning import selectors
from ctip.learning.models import Domain, ReflectionSession, Story
from ctip.learning.services import (
    action_add,
    action_update,
    choice_feedback_record,
    decision_record,
    domain_update,
    evaluation_create,
    round_choose,
    round_close,
    round_create,
    round_tally_set,
    session_add_indicator,
    session_close,
    session_create,
    story_verify,
)


def _round(org, method="consensus", held=dt.date(2026, 3, 1), name="Panel"):
    return round_create(
        origin=SYSTEM,
        organisation=org,
        name=name,
        period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 3, 31),
        held_on=held,
        panel="Director; two case workers; a survivor representative",
        method=method,
    )


@pytest.mark.django_db
def test_first_domain_brings_the_open_domain(cast, domains):
    names = list(Domain.objects.filter(organisation=cast.thailand).values_list("name", "is_open"))
    assert sorted(names) == [("Any other change", True), ("Income and work", False),
                             ("Safety", False)]  # fmt: skip
    open_domain = Domain.objects.get(organisation=cast.thailand, is_open=True)
    with pytest.raises(ValidationError, match="always in use"):
        domain_update(origin=SYSTEM, domain=open_domain, name=open_domain.name,
                      description="", position=1, active=False)  # fmt: skip


@pytest.mark.django_db
def test_story_rules(cast, domains, make_story):
    with pytest.raises(ValidationError) as error:
        make_story(consent_given=True, consent_scope="")
    assert "consent_scope" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        make_story(domain=domains["kh_income"])  # a Cambodian domain at a Thai partner
    assert "domain" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        make_story(collected_on=timezone.localdate() + dt.timedelta(days=2))
    assert "collected_on" in error.value.message_dict
    story = make_story(consent_given=False, consent_scope="")
    assert story.ref.startswith("MSC-") and len(story.ref) == 10
    assert story.teller_name == "" and story.survivor is None  # anonymised by default


@pytest.mark.django_db
def test_survivor_link_only_by_someone_who_sees_the_survivor(cast, make_story, make_survivor):
    survivor = make_survivor()  # at ngo_a
    story = make_story(teller_type="survivor", survivor_code=survivor.code.lower())
    assert story.survivor == survivor
    with pytest.raises(ValidationError) as error:  # ngo_b's case worker cannot see her
        make_story(org=cast.ngo_b, user=cast.other_case_worker, teller_type="survivor",
                   survivor_code=survivor.code)  # fmt: skip
    assert error.value.message_dict["survivor_code"] == [
        "No survivor with this code among the records you can see."
    ]
    with pytest.raises(ValidationError) as error:
        make_story(teller_type="staff", survivor_code=survivor.code)
    assert "survivor_code" in error.value.message_dict
    assert selectors.story_survivor_for(cast.case_worker, story) == survivor
    assert selectors.story_survivor_for(cast.me_officer, story) is None  # no PII role


def database_bytes() -> bytes:
    connection.close()
    name = Path(connection.settings_dict["NAME"])
    return b"".join(p.read_bytes() for p in (name, Path(f"{name}-wal")) if p.exists())


@pytest.mark.django_db(transaction=True)
def test_story_text_is_encrypted_in_the_database_file(cast, make_story):
    if connection.vendor != "sqlite":
        pytest.skip("reads the SQLite file's bytes")
    story = make_story(
        title="Kyawthu leaves the boat",
        text="After two years on a trawler off Pattani he got his passport back.",
        why_it_matters="Now his mother in Myawaddy knows he is alive.",
        teller_name="Kyaw Thu Aung",
    )
    open_domain_round = _round(cast.ngo_a)
    round_choose(origin=SYSTEM, selection_round=open_domain_round, story=story,
                 reasons="Shows passport retention ending")  # fmt: skip
    raw = database_bytes()
    assert story.ref.encode() in raw  # the file is really the one written to
    for secret in ("Kyawthu", "trawler", "Pattani", "Myawaddy", "Kyaw Thu", "passport retention"):
        assert secret.encode() not in raw
    assert Story.objects.get().text.startswith("After two years")


@pytest.mark.django_db
def test_country_choice_keeps_partner_reasons(cast, make_story):
    a1 = make_story(title="A1")
    a2 = make_story(title="A2")
    b1 = make_story(org=cast.ngo_b, user=cast.other_case_worker, title="B1")
    late = make_story(title="late", collected_on=dt.date(2025, 12, 31))  # outside the period
    partner_a = _round(cast.ngo_a, held=dt.date(2026, 3, 5))
    partner_b = _round(cast.ngo_b, held=dt.date(2026, 3, 6))
    assert set(selectors.round_candidates(partner_a)) == {a1, a2}
    round_choose(origin=SYSTEM, selection_round=partner_a, story=a2, reasons="Partner A reasons")
    round_choose(origin=SYSTEM, selection_round=partner_b, story=b1, reasons="Partner B reasons")
    country = _round(cast.thailand, held=dt.date(2026, 3, 20))
    assert country.level == "country_project"
    assert list(selectors.round_candidates(country)) == []  # partner rounds still open
    round_close(origin=SYSTEM, selection_round=partner_a)
    round_close(origin=SYSTEM, selection_round=partner_b)
    assert set(selectors.round_candidates(country)) == {a2, b1}
    with pytest.raises(ValidationError):
        round_choose(origin=SYSTEM, selection_round=country, story=late, reasons="x")
    with pytest.raises(ValidationError) as error:
        round_choose(origin=SYSTEM, selection_round=country, story=a2, reasons="  ")
    assert error.value.message_dict["reasons"] == ["Write down why the panel chose this story."]
    round_choose(origin=SYSTEM, selection_round=country, story=a2, reasons="Country reasons")
    round_close(origin=SYSTEM, selection_round=country)
    path = selectors.story_path(a2)
    assert [(c.round.level, c.reasons) for c in path] == [
        ("partner", "Partner A reasons"),
        ("country_project", "Country reasons"),
    ]
    with pytest.raises(ValidationError, match="closed"):
        round_choose(origin=SYSTEM, selection_round=partner_a, story=a1, reasons="too late")


@pytest.mark.django_db
def test_vote_rounds_choose_a_top_story(cast, make_story):
    a1, a2 = make_story(title="A1"), make_story(title="A2")
    voting = _round(cast.ngo_a, method="vote")
    with pytest.raises(ValidationError, match="votes or scores"):
        round_choose(origin=SYSTEM, selection_round=voting, story=a1, reasons="r")
    round_tally_set(origin=SYSTEM, selection_round=voting,
                    values={a1.pk: Decimal(2), a2.pk: Decimal(5)})  # fmt: skip
    with pytest.raises(ValidationError, match="top-ranked"):
        round_choose(origin=SYSTEM, selection_round=voting, story=a1, reasons="r")
    choice = round_choose(origin=SYSTEM, selection_round=voting, story=a2, reasons="5 of 7 votes")
    with pytest.raises(ValidationError, match="Choose at least one"):
        round_close(origin=SYSTEM, selection_round=_round(cast.ngo_b))
    round_close(origin=SYSTEM, selection_round=voting)
    origin = Origin(user=cast.case_worker, source="tests")
    feedback = choice_feedback_record(origin=origin, choice=choice, fed_back_on=dt.date(2026, 3, 9),
                                      method="in_person", note="She was glad")  # fmt: skip
    assert (feedback.by, feedback.method) == (cast.case_worker, "in_person")
    with pytest.raises(ValidationError):
        choice_feedback_record(origin=origin, choice=choice, fed_back_on=dt.date(2026, 2, 1),
                               method="phone")  # fmt: skip
    verification = story_verify(origin=origin, story=a2, verified_on=dt.date(2026, 3, 10),
                                result="confirmed", findings="Employer confirmed")  # fmt: skip
    assert verification.findings == "Employer confirmed"


@pytest.mark.django_db
def test_session_cannot_close_without_a_decision(cast):
    origin = Origin(user=cast.programme_manager, source="tests")
    session = session_create(origin=origin, organisation=cast.thailand, title="Q1 reflection",
                             held_on=dt.date(2026, 4, 2), participants="Thai team")  # fmt: skip
    action_add(origin=origin, session=session, description="Call the shelter",
               owner=cast.me_officer, due_on=dt.date(2026, 5, 1))  # fmt: skip
    with pytest.raises(ValidationError) as error:
        session_close(origin=origin, session=session)
    assert error.value.messages == [
        "A session cannot be closed without at least one decision. Record what changes, or an "
        "explicit “no change” with the reason."
    ]
    assert ReflectionSession.objects.get().status == "open"
    with pytest.raises(ValidationError) as error:
        decision_record(origin=origin, session=session, kind="no_change", text="")
    assert "explicit “no change”" in error.value.message_dict["text"][0]
    decision_record(origin=origin, session=session, kind="no_change",
                    text="Referral pathway works; keep it")  # fmt: skip
    session_close(origin=origin, session=session)
    session.refresh_from_db()
    assert (session.status, session.closed_by) == ("closed", cast.programme_manager)
    with pytest.raises(ValidationError, match="closed"):
        session_add_indicator(origin=origin, session=session, code="LRN-1", name="x", unit="%",
                              period_label="2026-Q1", scope_code="th", value=50.0)  # fmt: skip
    action = session.actions.get()
    with pytest.raises(ValidationError) as error:
        action_update(origin=origin, action=action, status="done")
    assert "done_on" in error.value.message_dict
    action_update(origin=origin, action=action, status="done", done_on=dt.date(2026, 4, 20))
    assert not selectors.open_actions(cast.programme_manager).exists()


@pytest.mark.django_db
def test_evaluations_due(cast):
    today = dt.date(2026, 6, 1)
    values = dict(kind="outcome", independence="independent", planned_end=dt.date(2027, 1, 1))

    def plan(title, start, **extra):
        return evaluation_create(origin=SYSTEM, programme=cast.thailand, title=title,
                                 planned_start=start, **{**values, **extra})  # fmt: skip

    soon = plan("soon", dt.date(2026, 7, 1))
    overdue = plan("overdue", dt.date(2026, 5, 1), status="commissioned")
    plan("far", dt.date(2026, 12, 1))
    plan("started", dt.date(2026, 5, 1), status="in_progress", actual_start=dt.date(2026, 5, 2))
    due = selectors.evaluations_due(selectors.evaluations_visible_to(cast.me_officer), today)
    assert list(due) == [overdue, soon]
    with pytest.raises(ValidationError) as error:
        plan("bad", dt.date(2026, 7, 1), budget=Decimal("1000"), currency="")
    assert "currency" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        plan("bad", dt.date(2026, 7, 1), status="completed")
    assert {"actual_start", "actual_end"} <= set(error.value.message_dict)
