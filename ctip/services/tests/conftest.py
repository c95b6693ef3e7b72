"""Helpers for the services tests: catalogue types, consents and needs in one line each."""

import datetime as dt
import importlib

import pytest

from ctip.cases.services import consent_record, need_assess
from ctip.conftest import SYSTEM
from ctip.core.models import Role
from ctip.core.services import user_create
from ctip.services.models import ProviderArea, ProviderProfile, ServiceType

D = dt.date
JAN_16 = D(2026, 1, 16)


@pytest.fixture
def types(db) -> dict[str, ServiceType]:
    """The default catalogue (loaded by the data migration), by code. Browser tests run with
    `transactional_db`, which empties the tables after each test: load it again then."""
    if not ServiceType.objects.exists():
        from django.apps import apps

        importlib.import_module("ctip.services.migrations.0002_default_catalogue").load(apps, None)
    return {t.code: t for t in ServiceType.objects.all()}


@pytest.fixture
def consent():
    def give(survivor, purpose="referral", given=True, on=JAN_16):
        return consent_record(
            origin=SYSTEM, survivor=survivor, purpose=purpose, given=given, decided_on=on
        )

    return give


@pytest.fixture
def need():
    def assess(survivor, category="legal", on=JAN_16):
        return need_assess(origin=SYSTEM, survivor=survivor, category=category, assessed_on=on)

    return assess


@pytest.fixture
def provider_user(cast):
    """A case worker of the government provider (a provider with ctip users)."""
    return user_create(
        origin=SYSTEM,
        username="ploy",
        password="x-very-long-password-1",  # noqa: S106
        role=Role.CASE_WORKER,
        organisation=cast.gov_provider,
        first_name="Ploy",
    )


@pytest.fixture
def profile(cast, types):
    """The government provider in the directory: legal aid and shelter in Ranong province."""
    profile = ProviderProfile.objects.create(
        organisation=cast.gov_provider, accepts_ctip_referrals=True, phone="+66 77 000 111"
    )
    profile.service_types.set([types["legal_aid"], types["shelter"]])
    ProviderArea.objects.create(provider=profile, country="TH", province="Ranong")
    return profile
