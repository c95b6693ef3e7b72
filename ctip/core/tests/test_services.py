import pytest
from django.core.exceptions import ValidationError

from ctip.conftest import SYSTEM
from ctip.core.models import Organisation
from ctip.core.services import organisation_create, organisation_update


@pytest.mark.django_db
def test_tree_placement_rules(cast):
    with pytest.raises(ValidationError, match="cannot sit under"):
        organisation_create(origin=SYSTEM, code="x", name="X", kind="partner", parent=cast.ngo_a)
    with pytest.raises(ValidationError, match="needs a parent"):
        organisation_create(origin=SYSTEM, code="y", name="Y", kind="site")
    with pytest.raises(ValidationError, match="provider type"):
        organisation_create(
            origin=SYSTEM, code="z", name="Z", kind="provider", parent=cast.thailand
        )


@pytest.mark.django_db
def test_moving_a_partner_moves_its_sites(cast):
    organisation_update(
        origin=SYSTEM, org=cast.ngo_a, name=cast.ngo_a.name, kind="partner", parent=cast.cambodia
    )
    site = Organisation.objects.get(code="th-ngo-a-cm")
    assert site.path.startswith(cast.cambodia.path)
    assert site.path == f"{cast.cambodia.path}{cast.ngo_a.pk}/{site.pk}/"


@pytest.mark.django_db
def test_an_organisation_cannot_move_under_itself(cast):
    with pytest.raises(ValidationError):
        organisation_update(
            origin=SYSTEM, org=cast.thailand, name="T", kind="country_project", parent=cast.thailand
        )
