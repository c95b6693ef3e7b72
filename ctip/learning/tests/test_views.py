"""Pages of `learning`: scope (404), roles, audit of story reads, the path page, closing a
session from its page, the donor's view."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ctip.conftest import SYSTEM
from ctip.core.models import AuditEntry
from ctip.evidence.models import Study
from ctip.learning.models import Evaluation, LearningQuestion, SelectionRound, Story
from ctip.learning.services import (
    question_create,
    round_choose,
    round_close,
    round_create,
    session_create,
)


def _round(org, held, name):
    return round_create(origin=SYSTEM, organisation=org, name=name,
                        period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 3, 31),
                        held_on=held, panel="panel", method="consensus")  # fmt: skip


@pytest.fixture
def chosen(cast, make_story):
    """A story chosen at ngo_a's partner panel, then at the Thai country panel."""
    story = make_story(title="Back at school", text="My daughter went back to school.",
                       why_it_matters="She will not be sold.", consent_scope="public")  # fmt: skip
    partner = _round(cast.ngo_a, dt.date(2026, 3, 5), "Friends panel Q1")
    round_choose(origin=SYSTEM, selection_round=partner, story=story,
                 reasons="Partner: the change reaches the next generation")  # fmt: skip
    round_close(origin=SYSTEM, selection_round=partner)
    country = _round(cast.thailand, dt.date(2026, 3, 25), "Thailand panel Q1")
    round_choose(origin=SYSTEM, selection_round=country, story=story,
                 reasons="Country: education as prevention")  # fmt: skip
    round_close(origin=SYSTEM, selection_round=country)
    return story


@pytest.mark.django_db
def test_path_page_shows_every_levels_reasons_and_audits_the_read(cast, client_for, chosen):
    response = client_for(cast.me_officer).get(f"/learning/stories/{chosen.uuid}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Partner: the change reaches the next generation" in body
    assert "Country: education as prevention" in body
    assert body.index("Partner: the change") < body.index("Country: education")
    assert "My daughter went back to school." in body
    entry = AuditEntry.objects.filter(object_type="msc_story", action="view").get()
    assert (entry.object_ref, entry.actor_username) == (chosen.ref, "dara")
    assert "school" not in str(entry.detail)


@pytest.mark.django_db
def test_another_organisations_story_is_404(cast, client_for, make_story, domains):
    story = make_story()  # at ngo_a
    kh_story = make_story(org=cast.ngo_kh, domain=domains["kh_income"], user=SYSTEM.user)
    url = f"/learning/stories/{story.uuid}/"
    for outsider in (cast.other_case_worker, cast.donor, cast.pse_officer, cast.sysadmin):
        response = client_for(outsider).get(url)
        assert response.status_code == 404, outsider.username
        assert b"market" not in response.content
    for insider in (cast.case_worker, cast.supervisor, cast.me_officer, cast.programme_manager):
        assert client_for(insider).get(url).status_code == 200, insider.username
    assert (
        client_for(cast.programme_manager).get(f"/learning/stories/{kh_story.uuid}/").status_code
        == 404
    )
    assert not AuditEntry.objects.filter(object_type="msc_story", action="view",
                                         actor_username="bopha").exists()  # fmt: skip


@pytest.mark.django_db
def test_teller_name_only_for_pii_roles(cast, client_for, make_story):
    story = make_story(teller_name="Malee Srisuk")
    assert (
        "Malee Srisuk"
        in client_for(cast.case_worker).get(f"/learning/stories/{story.uuid}/").content.decode()
    )
    assert (
        "Malee Srisuk"
        not in client_for(cast.me_officer).get(f"/learning/stories/{story.uuid}/").content.decode()
    )


@pytest.mark.django_db
def test_donor_sees_aggregates_and_only_public_story_text(cast, client_for, chosen, make_story):
    private = make_story(title="Private", text="Internal only story text",
                         consent_scope="internal")  # fmt: skip
    partner = SelectionRound.objects.get(name="Friends panel Q1")
    assert private.organisation == partner.organisation
    donor = client_for(cast.donor)
    response = donor.get("/learning/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "My daughter went back to school." in body  # chosen, consent to public use
    assert "Internal only story text" not in body
    assert "&lt;5" in body  # 2 stories: a small count
    for path in ("/learning/stories/", "/learning/sessions/", "/learning/actions/",
                 f"/learning/stories/{private.uuid}/", "/learning/rounds/"):  # fmt: skip
        assert donor.get(path).status_code == 404, path
    assert client_for(cast.pse_officer).get("/learning/").status_code == 404


@pytest.mark.django_db
def test_case_worker_records_a_story_but_cannot_run_rounds(cast, client_for, domains):
    client = client_for(cast.case_worker)
    response = client.post(
        "/learning/stories/new/",
        {
            "organisation": cast.ngo_a.pk,
            "domain": domains["th_safety"].pk,
            "teller_type": "community",
            "language": "my",
            "collected_on": "2026-02-01",
            "title": "Safer dormitory",
            "text": "The boat owners now let us keep our phones.",
            "why_it_matters": "We can call for help.",
            "consent": "yes",
            "consent_scope": "reports",
            "teller_name": "",
            "survivor_code": "",
        },
    )
    story = Story.objects.get()
    assert response.status_code == 302 and response.url == f"/learning/stories/{story.uuid}/"
    assert (story.language, story.teller_type, story.collected_by) == ("my", "community",
                                                                     cast.case_worker)  # fmt: skip
    for path in ("/learning/rounds/new/", "/learning/sessions/new/", "/learning/evaluations/new/"):
        assert client.get(path).status_code == 404
    bad = client.post("/learning/stories/new/", {"organisation": cast.ngo_a.pk,
                                                 "consent": "yes"})  # fmt: skip
    assert bad.status_code == 200 and Story.objects.count() == 1


@pytest.mark.django_db
def test_closing_a_session_without_decision_shows_why(cast, client_for):
    session = session_create(origin=SYSTEM, organisation=cast.thailand, title="Q2",
                             held_on=dt.date(2026, 6, 30), participants="team")  # fmt: skip
    client = client_for(cast.programme_manager)
    url = f"/learning/sessions/{session.uuid}/"
    response = client.post(url, {"form": "close"}, follow=True)
    assert "A session cannot be closed without at least one decision." in (
        response.content.decode()
    )
    session.refresh_from_db()
    assert session.status == "open"
    client.post(url, {"form": "decision", "kind": "no_change", "text": "Keep going"})
    client.post(url, {"form": "close"})
    session.refresh_from_db()
    assert session.status == "closed"
    assert client_for(cast.case_worker).post(url, {"form": "close"}).status_code == 404


@pytest.mark.django_db
def test_session_keeps_an_indicator_value_as_it_stood(cast, client_for):
    session = session_create(origin=SYSTEM, organisation=cast.thailand, title="Q2",
                             held_on=dt.date(2026, 6, 30), participants="team")  # fmt: skip
    client = client_for(cast.me_officer)
    url = f"/learning/sessions/{session.uuid}/"
    response = client.post(url, {"form": "indicator", "code": "LRN-1", "period": "2026-q2"})
    assert response.status_code == 302
    snapshot = session.indicator_snapshots.get()
    assert (snapshot.code, snapshot.period_label, snapshot.scope_code) == ("LRN-1", "2026-Q2", "th")
    assert (snapshot.value, snapshot.denominator) == (None, 0)
    bad = client.post(url, {"form": "indicator", "code": "LRN-1", "period": "spring"})
    assert bad.status_code == 200 and "is not a period" in bad.content.decode()
    client.post(url, {"form": "theme", "theme": "shelter", "period": "2026"})
    assert session.theme_snapshots.get().count == 0


@pytest.mark.django_db
def test_lists_and_dashboard_render(cast, client_for, chosen):
    client = client_for(cast.programme_manager)
    for path in ("/learning/", "/learning/stories/", "/learning/rounds/", "/learning/sessions/",
                 "/learning/actions/", "/learning/questions/", "/learning/evaluations/",
                 "/learning/domains/", "/learning/stories/new/", "/learning/rounds/new/",
                 "/learning/questions/new/", "/learning/evaluations/new/"):  # fmt: skip
        assert client.get(path).status_code == 200, path
    assert AuditEntry.objects.filter(object_type="msc_story", action="list").exists()


@pytest.mark.django_db
def test_agenda_evaluations_domains_and_actions_through_the_pages(cast, client_for, chosen):
    manager = client_for(cast.programme_manager)
    response = manager.post("/learning/domains/", {"programme": cast.thailand.pk,
                                                   "name": "Health", "position": 3})  # fmt: skip
    assert response.status_code == 302
    response = manager.post("/learning/evaluations/new/", {
        "programme": cast.thailand.pk, "title": "Mid-term", "kind": "process",
        "independence": "internal", "planned_start": "2026-01-10", "planned_end": "2026-03-10",
        "budget": "5000", "currency": "usd", "status": "planned"})  # fmt: skip
    evaluation = Evaluation.objects.get()
    assert response.url == f"/learning/evaluations/{evaluation.uuid}/"
    assert (evaluation.currency, evaluation.budget) == ("USD", 5000)
    response = manager.post(f"/learning/evaluations/{evaluation.uuid}/edit/", {
        "title": "Mid-term", "kind": "process", "independence": "internal",
        "planned_start": "2026-01-10", "planned_end": "2026-03-10", "status": "completed",
        "actual_start": "2026-01-12"})  # fmt: skip
    assert response.status_code == 200 and "Give the date it actually ended." in (
        response.content.decode()
    )
    response = manager.post("/learning/questions/new/", {
        "programme": cast.thailand.pk, "text": "Does screening lead to referral?"})  # fmt: skip
    question = LearningQuestion.objects.get()
    url = f"/learning/questions/{question.uuid}/"
    manager.post(url, {"form": "stories", "stories-items": [chosen.pk]})
    manager.post(url, {"form": "evaluations", "evaluations-items": [evaluation.pk]})
    body = manager.get(url).content.decode()
    assert chosen.ref in body and "Mid-term" in body
    assert list(question.stories.all()) == [chosen]
    manager.post(url, {"form": "unlink", "kind": "stories", "pk": chosen.pk})
    assert not question.stories.exists()
    unlink = {"form": "unlink", "kind": "evaluations", "pk": evaluation.pk}
    assert client_for(cast.case_worker).post(url, unlink).status_code == 404

    session = session_create(origin=SYSTEM, organisation=cast.thailand, title="Q2",
                             held_on=dt.date(2026, 4, 1), participants="team")  # fmt: skip
    response = manager.post(f"/learning/sessions/{session.uuid}/", {
        "form": "action", "description": "Train partners", "owner": cast.supervisor.pk,
        "due_on": "2026-05-01"})  # fmt: skip
    assert response.status_code == 302, response.content.decode()[-3000:]
    action = session.actions.get()
    supervisor = client_for(cast.supervisor)
    assert "Train partners" in supervisor.get("/learning/actions/?mine=1").content.decode()
    response = supervisor.post(f"/learning/actions/{action.uuid}/",
                               {"status": "done", "done_on": "2026-04-28"})  # fmt: skip
    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.status, action.done_on) == ("done", dt.date(2026, 4, 28))
    assert client_for(cast.case_worker).get(f"/learning/actions/{action.uuid}/").status_code == 404


@pytest.mark.django_db
def test_vote_round_through_the_page(cast, client_for, make_story):
    a1, a2 = make_story(title="A1"), make_story(title="A2")
    voting = round_create(origin=SYSTEM, organisation=cast.ngo_a, name="vote",
                          period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 3, 31),
                          held_on=dt.date(2026, 3, 5), panel="p", method="vote")  # fmt: skip
    client = client_for(cast.me_officer)
    url = f"/learning/rounds/{voting.uuid}/"
    client.post(url, {"action": "tally", f"tally-{a1.pk}": "3", f"tally-{a2.pk}": "x"})
    assert not voting.tallies.exists()  # "x" is refused, nothing saved
    client.post(url, {"action": "tally", f"tally-{a1.pk}": "3", f"tally-{a2.pk}": "4,5"})
    assert dict(voting.tallies.values_list("story_id", "value")) == {a1.pk: 3, a2.pk: 4.5}
    response = client.post(url, {"action": "choose", "story": a1.pk, "reasons": "r"}, follow=True)
    assert "top-ranked story (4.5); this one has 3.0" in response.content.decode()
    client.post(url, {"action": "choose", "story": a2.pk, "reasons": "Most votes"})
    assert voting.choices.get().story == a2
    assert client_for(cast.case_worker).post(url, {"action": "close"}).status_code == 404


@pytest.mark.django_db
def test_question_links_studies_of_the_library(cast, client_for):
    study = Study.objects.create(organisation=cast.implementer, title="Fishers returning home")
    question = question_create(origin=SYSTEM, programme=cast.thailand,
                               text="Does co-creation with companies lead to change?")  # fmt: skip
    client = client_for(cast.me_officer)
    url = f"/learning/questions/{question.uuid}/"
    assert client.post(url, {"form": "studies", "studies-items": [study.pk]}).status_code == 302
    assert list(question.studies.all()) == [study]
    assert "Fishers returning home" in client.get(url).content.decode()
    dashboard = client.get("/learning/").content.decode()
    assert "Does co-creation" in dashboard


@pytest.mark.django_db
def test_lists_do_not_query_per_row(cast, client_for, make_story):
    client = client_for(cast.me_officer)

    def queries(path):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(captured)

    make_story()
    question_create(origin=SYSTEM, programme=cast.thailand, text="first question")
    session_create(origin=SYSTEM, organisation=cast.thailand, title="first",
                   held_on=dt.date(2026, 6, 30), participants="team")  # fmt: skip
    paths = ("/learning/stories/", "/learning/", "/learning/questions/", "/learning/sessions/")
    before = {path: queries(path) for path in paths}
    for index in range(5):
        make_story(title=f"story {index}")
        question_create(origin=SYSTEM, programme=cast.thailand, text=f"question {index}")
        session_create(origin=SYSTEM, organisation=cast.thailand, title=f"s{index}",
                       held_on=dt.date(2026, 6, 30), participants="team")  # fmt: skip
    assert {path: queries(path) for path in paths} == before
