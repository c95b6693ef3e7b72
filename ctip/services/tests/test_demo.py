"""The services demo data keeps the rules the services enforce (built on a small demo)."""

import pytest
from django.db.models import F

from ctip.interop.demo import build_demo
from ctip.services.models import (
    REFERRAL_TRANSITIONS,
    CaseTransfer,
    ProjectServiceSettings,
    ProviderProfile,
    Referral,
    ServiceEpisode,
)


@pytest.mark.django_db
def test_demo_services_follow_the_rules(types):
    build_demo(survivors=120)
    assert ProviderProfile.objects.count() == 26
    assert ProjectServiceSettings.objects.count() == 3
    episodes = ServiceEpisode.objects.select_related("service_type", "need")
    assert episodes.count() > 120
    for episode in episodes:
        if episode.service_type.counts_as_service:
            assert episode.need.category == episode.service_type.category
            assert episode.need.survivor_id == episode.survivor_id
        assert (episode.ended_on is None) == (episode.status == "ongoing")
    assert not episodes.filter(ended_on__lt=F("started_on")).exists()
    assert episodes.filter(service_type__counts_as_service=False).exists()  # one-off supports
    assert episodes.filter(provider__provider_type="government").exists()
    referrals = Referral.objects.prefetch_related("events")
    assert referrals.count() > 10
    for referral in referrals:
        assert referral.consent_on <= referral.sent_on
        steps = [event.status for event in referral.events.all()]
        assert steps[0] == "sent"
        for before, after in zip(steps, steps[1:], strict=False):
            assert after in REFERRAL_TRANSITIONS[before]
        assert steps[-1] == referral.status
        assert (referral.episode_id is not None) == (
            referral.status in ("service_started", "completed")
        )
    assert set(CaseTransfer.objects.values_list("status", flat=True)) <= {"pending", "accepted"}
