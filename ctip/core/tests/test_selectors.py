import pytest
from django.http import Http404

from ctip.core.selectors import (
    organisation_get,
    organisations_visible_to,
    user_can_read_pii,
    user_can_read_records,
    user_needs_two_factor,
)


def codes(queryset):
    return sorted(queryset.values_list("code", flat=True))


@pytest.mark.django_db
def test_a_partner_sees_its_own_subtree(cast):
    assert codes(organisations_visible_to(cast.case_worker)) == ["th-ngo-a", "th-ngo-a-cm"]


@pytest.mark.django_db
def test_a_country_project_sees_its_partners_not_another_country(cast):
    visible = codes(organisations_visible_to(cast.me_officer))
    assert "th-ngo-b" in visible and "th-dsdw" in visible
    assert "kh-ngo" not in visible


@pytest.mark.django_db
def test_out_of_scope_organisation_is_404(cast):
    with pytest.raises(Http404):
        organisation_get(cast.case_worker, "th-ngo-b")
    assert organisation_get(cast.case_worker, "th-ngo-a-cm") == cast.site_a


@pytest.mark.django_db
def test_role_cuts(cast):
    assert user_can_read_pii(cast.case_worker)
    assert user_can_read_pii(cast.supervisor)
    assert user_can_read_records(cast.me_officer) and not user_can_read_pii(cast.me_officer)
    assert not user_can_read_pii(cast.programme_manager)
    cast.programme_manager.pii_granted = True
    assert user_can_read_pii(cast.programme_manager)
    for user in (cast.donor, cast.pse_officer, cast.sysadmin):
        assert not user_can_read_records(user)
        assert not user_can_read_pii(user)


@pytest.mark.django_db
def test_two_factor_demanded_for_roles_that_reach_records(cast):
    assert user_needs_two_factor(cast.case_worker)
    assert user_needs_two_factor(cast.me_officer)
    assert user_needs_two_factor(cast.sysadmin)
    assert not user_needs_two_factor(cast.donor)
