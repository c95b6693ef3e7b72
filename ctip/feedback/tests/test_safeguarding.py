"""Safeguarding: feedback about a staff member's conduct is invisible to the project line
(404, absent from lists, counts and dashboards) and reaches only the safeguarding group at the
implementer, outside that line."""

import pytest
from django.contrib.auth.models import Group

from ctip.conftest import SYSTEM
from ctip.core.audit import Origin
from ctip.feedback import selectors
from ctip.feedback.models import Feedback
from ctip.feedback.services import action_create, feedback_escalate
from ctip.feedback.tests.conftest import anonymous, submit_ok

pytestmark = pytest.mark.django_db


@pytest.fixture
def items(channel):
    client = anonymous()
    submit_ok(client, channel, body="The rooms are cold", themes=["shelter"])
    submit_ok(client, channel, body="Officer Somchai asked me for money", safeguarding="on")
    ordinary = Feedback.objects.get(safeguarding=False)
    hidden = Feedback.objects.get(safeguarding=True)
    return ordinary, hidden


def test_project_line_gets_404_and_sees_no_trace_of_it(items, cast, client_for):
    ordinary, hidden = items
    action = action_create(
        origin=Origin(user=cast.programme_manager, source="tests"),
        organisation=cast.ngo_a,
        title="Staff code of conduct retraining",
        kind="staffing",
        taken_on=hidden.received_on,
        feedback=[ordinary, hidden],
    )
    for user in (cast.programme_manager, cast.me_officer, cast.supervisor):
        client = client_for(user)
        assert client.get(f"/feedback/{hidden.uuid}/").status_code == 404
        assert client.post(f"/feedback/{hidden.uuid}/", {"do": "spam"}).status_code == 404
        listing = client.get("/feedback/").content.decode()
        assert str(ordinary.ref) in listing
        assert str(hidden.ref) not in listing
        assert "asked me for money" not in listing
        assert "1 item" in listing
        assert selectors.feedback_counts(user) == {
            "new": 1, "open": 1, "awaiting": 1, "safeguarding": 0
        }  # fmt: skip
        assert str(hidden.ref) not in client.get("/feedback/?safeguarding=on").content.decode()
        detail = client.get(f"/feedback/changes/{action.uuid}/").content.decode()
        assert str(ordinary.ref) in detail and str(hidden.ref) not in detail
        assert "1 feedback item" in client.get("/feedback/changes/").content.decode()
    data = selectors.dashboard_data(cast.thailand.path, _period(hidden))
    assert data["received"] == "<5"  # 1 ordinary item; the safeguarding one is not counted
    assert data["by_channel"] == {"friends": "<5"}


def test_safeguarding_group_at_the_implementer_sees_it(items, safeguarding_officer, client_for):
    _ordinary, hidden = items
    client = client_for(safeguarding_officer)
    page = client.get(f"/feedback/{hidden.uuid}/")
    assert page.status_code == 200
    assert "asked me for money" in page.content.decode()
    listing = client.get("/feedback/?safeguarding=on").content.decode()
    assert str(hidden.ref) in listing
    assert selectors.feedback_counts(safeguarding_officer)["safeguarding"] == 1


def test_group_membership_below_the_implementer_does_not_count(items, cast, client_for):
    """A country project's manager in the group is still in the project line: no access."""
    _ordinary, hidden = items
    group, _created = Group.objects.get_or_create(name="safeguarding")
    cast.programme_manager.groups.add(group)
    assert not selectors.user_is_safeguarding(cast.programme_manager)
    assert client_for(cast.programme_manager).get(f"/feedback/{hidden.uuid}/").status_code == 404


def test_safeguarding_items_can_only_be_assigned_to_the_group(items, cast, safeguarding_officer):
    _ordinary, hidden = items
    assignable = set(selectors.users_who_can_triage(hidden))
    assert assignable == {safeguarding_officer}


def test_escalating_moves_an_item_out_of_the_line(items, cast, client_for, safeguarding_officer):
    ordinary, _hidden = items
    client = client_for(cast.me_officer)
    response = client.post(f"/feedback/{ordinary.uuid}/", {"do": "escalate"})
    assert response.status_code == 302 and response["Location"] == "/feedback/"
    ordinary.refresh_from_db()
    assert ordinary.safeguarding
    assert client.get(f"/feedback/{ordinary.uuid}/").status_code == 404
    assert client_for(safeguarding_officer).get(f"/feedback/{ordinary.uuid}/").status_code == 200
    assert ordinary.events.get().event_type == "escalated"
    # One way: escalating again changes nothing.
    feedback_escalate(origin=SYSTEM, feedback=ordinary)
    assert ordinary.events.count() == 1


def _period(item):
    from ctip.indicators.periods import Period

    return Period.containing(item.received_on, "year")
