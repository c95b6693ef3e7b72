"""Properties of SRV-1 over random data sets (hypothesis), each built with the ORM inside a
transaction that is rolled back after the example.

1. SRV-1 of a scope is never more than the survivors in that scope (episodes are owned by the
   survivor's organisation, as `services` records them).
2. Splitting a scope into its children (and the records the node owns itself) never makes SRV-1
   larger than the sum of the parts: a survivor served in two children counts once above them,
   in both below.
"""

import datetime as dt

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ctip.cases.models import Survivor
from ctip.core.models import Organisation
from ctip.indicators.engine import compute
from ctip.indicators.periods import Period
from ctip.indicators.registry import REGISTRY

Q1 = Period.parse("2026-Q1")
OWNERS = ("ngo_a", "ngo_b", "site_a", "ngo_kh")
TYPES = ("shelter", "medical", "transport", "skills_training")

episode = st.fixed_dictionaries(
    {
        "survivor": st.integers(0, 7),
        "other_owner": st.one_of(st.none(), st.sampled_from(OWNERS)),
        "type": st.sampled_from(TYPES),
        "start": st.integers(-120, 120),  # days from 2026-01-01
        "length": st.one_of(st.none(), st.integers(0, 90)),
        "discontinued": st.booleans(),
    }
)
data_sets = st.lists(episode, max_size=25)


@pytest.fixture
def pool(cast, make_survivor):
    """Eight survivors, two per owner (built once per test; each example adds episodes)."""
    return [make_survivor(org=getattr(cast, owner)) for owner in OWNERS for _ in range(2)]


def srv1(scope: Organisation) -> int:
    return compute(REGISTRY["SRV-1"], scope, Q1).value


def build(cast, records, survivors, episodes, *, cross_owner: bool):
    start = dt.date(2026, 1, 1)
    for item in episodes:
        if item["survivor"] >= len(survivors):
            continue
        survivor = survivors[item["survivor"]]
        began = start + dt.timedelta(days=item["start"])
        ended = began + dt.timedelta(days=item["length"]) if item["length"] is not None else None
        owner = survivor.organisation
        if cross_owner and item["other_owner"]:
            owner = getattr(cast, item["other_owner"])
        records.episode(
            survivor,
            item["type"],
            began.isoformat(),
            ended.isoformat() if ended else None,
            org=owner,
            status="discontinued" if item["discontinued"] else None,
        )


@pytest.mark.django_db
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=data_sets)
def test_srv1_never_exceeds_the_survivors_in_scope(cast, records, pool, data):
    with transaction.atomic():
        build(cast, records, pool, data, cross_owner=False)
        for scope in (cast.implementer, cast.thailand, cast.ngo_a, cast.ngo_b, cast.site_a):
            in_scope = Survivor.objects.filter(organisation__path__startswith=scope.path).count()
            assert 0 <= srv1(scope) <= in_scope
        transaction.set_rollback(True)


@pytest.mark.django_db
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=data_sets)
def test_srv1_of_a_parent_is_at_most_the_sum_of_its_parts(cast, records, pool, data):
    with transaction.atomic():
        build(cast, records, pool, data, cross_owner=True)
        top, thailand = srv1(cast.implementer), srv1(cast.thailand)
        assert top <= thailand + srv1(cast.cambodia)
        assert thailand <= srv1(cast.ngo_a) + srv1(cast.ngo_b) + srv1(cast.gov_provider)
        # ngo_a owns records itself and through its site.
        assert srv1(cast.ngo_a) >= srv1(cast.site_a)
        assert (
            top
            == Survivor.objects.filter(episodes__in=_counted(cast.implementer)).distinct().count()
        )
        transaction.set_rollback(True)


def _counted(scope):
    """The same rule written as a plain filter, as a cross-check of the shared query."""
    from ctip.indicators.definitions.services import episode_condition
    from ctip.services.models import ServiceEpisode

    return ServiceEpisode.objects.filter(episode_condition(scope, Q1))
