"""Helpers for the partnership tests: a company in the cast's registry, engagements walked along
the pipeline with explicit dates, and the records the gates ask for."""

import datetime as dt
from decimal import Decimal

import pytest

from ctip.cases.models import Need
from ctip.conftest import SYSTEM
from ctip.core.audit import Origin
from ctip.partnerships import services
from ctip.partnerships.models import (
    DUE_DILIGENCE_CRITERIA,
    STAGE_ORDER,
    AlignmentRecord,
    Stage,
)
from ctip.services.models import JobPlacement, ServiceEpisode, ServiceType

D = dt.date
JAN_5, FEB_1, FEB_10, APR_1 = D(2026, 1, 5), D(2026, 2, 1), D(2026, 2, 10), D(2026, 4, 1)
LOW_SCORES = {name: 1 for name, _label in DUE_DILIGENCE_CRITERIA}


def origin_of(user) -> Origin:
    return Origin(user=user, source="tests")


def make_company(cast, name="Andaman Seafood Co.", **values):
    defaults = dict(sector="seafood", ownership="multinational", hq_country="TH")
    defaults.update(values)
    return services.company_create(
        origin=SYSTEM, implementer=cast.implementer, name=name, **defaults
    )


def make_engagement(cast, company=None, project=None, on=JAN_5, **values):
    return services.engagement_start(
        origin=origin_of(cast.pse_officer),
        company=company or make_company(cast),
        country_project=project or cast.thailand,
        on=on,
        **values,
    )


def align(engagement, on=FEB_1, user=None):
    return services.alignment_record(
        origin=origin_of(user),
        engagement=engagement,
        company_priorities="Responsible sourcing; worker voice",
        project_objectives="Reduce risk of forced labour at sea",
        shared_goals="Fishers can call for help",
        project_will_not_do="Audit the company's suppliers",
        recorded_on=on,
    )


def diligence(engagement, on=FEB_10, rating="low", scores=None, user=None):
    return services.due_diligence_record(
        origin=origin_of(user),
        engagement=engagement,
        reviewer=user,
        reviewed_on=on,
        scores=scores or LOW_SCORES,
        rating=rating,
        reasons="Public CSR report, no litigation found.",
        evidence_links="https://example.org/csr-report",
    )


def sign(engagement, on=APR_1, kind="partnership", ends_on=None, company_money=True):
    agreement = services.agreement_record(
        origin=SYSTEM,
        engagement=engagement,
        kind=kind,
        title="Partnership agreement",
        signed_on=on,
        starts_on=on,
        ends_on=ends_on,
    )
    if company_money:
        services.commitment_add(
            origin=SYSTEM,
            agreement=agreement,
            side="company",
            kind="money",
            description="Connectivity pilot",
            amount=Decimal("50000"),
            unit="USD",
        )
    return agreement


def walk(engagement, steps, user=None):
    """Move through ``[(stage, date), …]``, recording just in time what each gate needs."""
    for stage, on in steps:
        target = STAGE_ORDER.get(stage, -1)
        if target >= STAGE_ORDER[Stage.CONCEPT_NOTE] > engagement.stage_order:
            if not AlignmentRecord.objects.filter(engagement=engagement).exists():
                align(engagement, on=on, user=user)
            if not engagement.due_diligence.exists():
                diligence(engagement, on=on, user=user)
        if target >= STAGE_ORDER[Stage.AGREEMENT_SIGNED] > engagement.stage_order:
            if not engagement.agreements.exists():
                sign(engagement, on=on)
        services.engagement_move(
            origin=origin_of(user), engagement=engagement, to_stage=stage, on=on
        )
        engagement.refresh_from_db()
    return engagement


def make_job_placement(survivor, provider, start_date, at_3=None, at_6=None):
    """A survivor's job-placement service as `services` records it: a livelihood need, an
    episode of type job_placement, and its JobPlacement row."""
    need = Need.objects.create(
        survivor=survivor,
        organisation=survivor.organisation,
        category="livelihood",
        assessed_on=start_date - dt.timedelta(days=30),
    )
    episode = ServiceEpisode.objects.create(
        survivor=survivor,
        organisation=survivor.organisation,
        service_type=ServiceType.objects.get(code="job_placement"),
        provider=provider,
        need=need,
        started_on=start_date,
    )
    return JobPlacement.objects.create(
        episode=episode,
        employer="Andaman Seafood Co.",
        role="Line worker",
        start_date=start_date,
        employed_at_3_months=at_3,
        employed_at_6_months=at_6,
    )


@pytest.fixture
def company(cast):
    return make_company(cast)


@pytest.fixture
def engagement(cast, company):
    return make_engagement(cast, company)
