"""Small builders for hand-made data sets: episodes and referrals written with the ORM
directly (not through `services`), so each test states exactly the rows it counts."""

import datetime as dt
import importlib

import pytest

from ctip.services.models import Referral, ServiceEpisode, ServiceType

Q1 = ("2026-01-01", "2026-03-31")


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def default_catalogue() -> dict[str, ServiceType]:
    """The catalogue the services migration loads; written again when a transactional test
    elsewhere has flushed it (TransactionTestCase empties every table afterwards)."""
    if not ServiceType.objects.exists():
        migration = importlib.import_module("ctip.services.migrations.0002_default_catalogue")
        for position, (code, name, category, counts, help_text) in enumerate(migration.CATALOGUE):
            ServiceType.objects.create(
                code=code, name=name, category=category, counts_as_service=counts,
                episode_help=help_text, position=position,
            )  # fmt: skip
    return {service_type.code: service_type for service_type in ServiceType.objects.all()}


class Records:
    def __init__(self, cast):
        self.cast = cast
        self.types = default_catalogue()

    def episode(
        self,
        survivor,
        code="shelter",
        started="2026-02-01",
        ended=None,
        *,
        org=None,
        provider=None,
        status=None,
    ) -> ServiceEpisode:
        return ServiceEpisode.objects.create(
            organisation=org or survivor.organisation,
            survivor=survivor,
            service_type=self.types[code],
            provider=provider or self.cast.ngo_a,
            started_on=day(started),
            ended_on=day(ended) if ended else None,
            status=status or ("completed" if ended else "ongoing"),
        )

    def referral(
        self,
        survivor,
        status="sent",
        sent="2026-02-01",
        started=None,
        *,
        code="legal_aid",
        org=None,
        to=None,
    ) -> Referral:
        return Referral.objects.create(
            organisation=org or survivor.organisation,
            survivor=survivor,
            service_type=self.types[code],
            to_provider=to or self.cast.gov_provider,
            consent_on=day(sent),
            sent_on=day(sent),
            status=status,
            status_on=day(started or sent),
            service_started_on=day(started) if started else None,
        )


@pytest.fixture
def records(cast) -> Records:
    return Records(cast)
