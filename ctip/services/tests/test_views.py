"""The services pages: case plan, episode and referral forms, both sides of a referral,
transfers, the provider directory and the livelihood grants; permission matrix for each."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from ctip.cases.models import Survivor
from ctip.conftest import SYSTEM
from ctip.core.audit import Action
from ctip.core.models import AuditEntry, Role
from ctip.core.services import organisation_create, user_create
from ctip.services.models import (
    CaseTransfer,
    ProviderArea,
    ProviderProfile,
    Referral,
    ServiceEpisode,
)
from ctip.services.services import (
    RECEIVER,
    episode_record,
    livelihood_record,
    referral_send,
    referral_set_status,
    service_settings_set,
)

D = dt.date
PII = ("Somsri", "Kaewmanee", "234 5678")


def body(response) -> str:
    return response.content.decode()


def assert_no_pii(response):
    text = body(response)
    for value in PII:
        assert value not in text, f"{value!r} leaked"


@pytest.fixture
def planned(cast, make_survivor, types, need, consent):
    """A survivor of th-ngo-a with a legal need, an episode with notes, a one-off support and a
    referral to the government provider."""
    survivor = make_survivor()
    consent(survivor)
    legal = need(survivor, "legal")
    episode = episode_record(
        origin=SYSTEM,
        survivor=survivor,
        service_type=types["legal_aid"],
        provider=cast.ngo_a,
        need=legal,
        started_on=D(2026, 1, 20),
        notes="Trafficker threatened family",
    )
    ticket = episode_record(
        origin=SYSTEM,
        survivor=survivor,
        service_type=types["transport"],
        provider=cast.ngo_a,
        started_on=D(2026, 1, 21),
        ended_on=D(2026, 1, 21),
        status="completed",
    )
    referral = referral_send(
        origin=SYSTEM,
        survivor=survivor,
        service_type=types["legal_aid"],
        to_provider=cast.gov_provider,
        need=legal,
        sent_on=D(2026, 1, 22),
        note="Prefers a female lawyer",
    )
    return survivor, episode, ticket, referral


def plan_url(survivor, suffix=""):
    return f"/survivors/{survivor.code}/plan/{suffix}"


# --- the case plan ---------------------------------------------------------------------------


def test_case_plan_shows_needs_episodes_referrals_and_audits(cast, client_for, planned):
    survivor, episode, ticket, referral = planned
    response = client_for(cast.case_worker).get(plan_url(survivor))
    assert response.status_code == 200
    text = body(response)
    assert "Legal aid" in text and "Transport" in text
    assert "not counted" in text
    assert "Trafficker threatened family" in text  # notes: PII role
    assert "Social Development Office" in text
    assert "Need assessed: Legal" in text
    assert "Referral for Legal aid to Social Development Office: Sent" in text
    entry = AuditEntry.objects.filter(action=Action.VIEW).latest("id")
    assert (entry.actor, entry.object_ref, entry.source) == (
        cast.case_worker,
        survivor.code,
        f"GET /survivors/{survivor.code}/plan/",
    )


@pytest.mark.parametrize("role", ["me_officer", "programme_manager"])
def test_case_plan_without_pii_for_de_identified_roles(cast, client_for, planned, role):
    survivor = planned[0]
    response = client_for(getattr(cast, role)).get(plan_url(survivor))
    assert response.status_code == 200
    assert_no_pii(response)
    assert "Trafficker" not in body(response)
    assert "Record an episode" not in body(response)


@pytest.mark.parametrize("role", ["other_case_worker", "donor", "pse_officer", "sysadmin"])
def test_case_plan_is_404_out_of_scope_and_writes_nothing(cast, client_for, planned, role):
    survivor = planned[0]
    before = AuditEntry.objects.filter(action=Action.VIEW).count()
    response = client_for(getattr(cast, role)).get(plan_url(survivor))
    assert response.status_code == 404
    assert_no_pii(response)
    assert AuditEntry.objects.filter(action=Action.VIEW).count() == before


def test_anonymous_goes_to_login(planned):
    survivor = planned[0]
    for path in (plan_url(survivor), "/referrals/", "/providers/", "/transfers/"):
        response = Client().get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/account/login/")


def test_case_plan_queries_do_not_grow_with_records(
    cast, client_for, planned, types, django_assert_max_num_queries
):
    survivor = planned[0]
    client = client_for(cast.case_worker)
    client.get(plan_url(survivor))
    with django_assert_max_num_queries(40) as first:
        client.get(plan_url(survivor))
    for day in range(2, 12):
        episode_record(
            origin=SYSTEM,
            survivor=survivor,
            service_type=types["one_off_support"],
            provider=cast.ngo_a,
            started_on=D(2026, 2, day),
        )
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get(plan_url(survivor))


# --- episodes --------------------------------------------------------------------------------


def test_record_episode_refused_without_need_then_recorded(cast, client_for, planned, types):
    survivor, episode, *_ = planned
    client = client_for(cast.case_worker)
    assert client.get(plan_url(survivor, "episodes/new/")).status_code == 200
    data = {
        "service_type": types["psychosocial"].pk,
        "provider": cast.ngo_a.pk,
        "started_on": "2026-02-01",
        "sessions": "",
        "notes": "",
    }
    response = client.post(plan_url(survivor, "episodes/new/"), data)
    assert response.status_code == 200
    assert "Psychosocial support counts as a service, so it must answer" in body(response)
    assert ServiceEpisode.objects.count() == 2
    data["service_type"] = types["one_off_support"].pk
    response = client.post(plan_url(survivor, "episodes/new/"), data)
    assert response.status_code == 302
    assert response["Location"] == plan_url(survivor)
    assert ServiceEpisode.objects.count() == 3
    one_off = ServiceEpisode.objects.get(service_type=types["one_off_support"])
    assert (one_off.status, one_off.ended_on) == ("completed", D(2026, 2, 1))  # over that day


def test_type_help_partial(client_for, cast, types):
    response = client_for(cast.case_worker).get(
        "/services/types/help/", {"service_type": types["transport"].pk}
    )
    assert "A single trip or ticket. Recorded, never counted as a service." in body(response)
    assert "not counted" in body(response)


def test_close_episode_via_the_page(cast, client_for, planned):
    survivor, episode, *_ = planned
    url = plan_url(survivor, f"episodes/{episode.uuid}/close/")
    client = client_for(cast.case_worker)
    response = client.post(url, {"status": "discontinued", "ended_on": "2026-02-01"})
    assert "Say why the episode was discontinued." in body(response)
    response = client.post(
        url,
        {"status": "discontinued", "ended_on": "2026-02-01", "discontinued_reason": "moved"},
    )
    assert response.status_code == 302
    episode.refresh_from_db()
    assert (episode.status, episode.discontinued_reason) == ("discontinued", "moved")


@pytest.mark.parametrize("role", ["me_officer", "other_case_worker", "donor"])
def test_episode_forms_are_404_for_other_roles(cast, client_for, planned, role, types):
    survivor, episode, *_ = planned
    client = client_for(getattr(cast, role))
    for suffix in (
        "episodes/new/",
        f"episodes/{episode.uuid}/edit/",
        f"episodes/{episode.uuid}/close/",
        "referrals/new/",
        "transfer/",
    ):
        assert client.get(plan_url(survivor, suffix)).status_code == 404
        response = client.post(plan_url(survivor, suffix), {"service_type": types["transport"].pk})
        assert response.status_code == 404
    assert ServiceEpisode.objects.count() == 2


def test_livelihood_details_form(cast, client_for, make_survivor, types, need):
    survivor = make_survivor()
    episode = episode_record(
        origin=SYSTEM,
        survivor=survivor,
        service_type=types["job_placement"],
        provider=cast.ngo_a,
        need=need(survivor, "livelihood"),
        started_on=D(2026, 1, 20),
    )
    url = plan_url(survivor, f"episodes/{episode.uuid}/livelihood/")
    client = client_for(cast.case_worker)
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "employer": "Andaman Seafood",
            "role": "Packer",
            "wage": "9000",
            "wage_currency": "thb",
            "wage_period": "month",
            "start_date": "2026-01-25",
            "employed_at_3_months": "",
            "employed_at_6_months": "",
        },
    )
    assert response.status_code == 302
    episode.job_placement.refresh_from_db()
    assert (episode.job_placement.wage, episode.job_placement.wage_currency) == (
        Decimal("9000.00"),
        "THB",
    )
    assert "Packer · Andaman Seafood" in body(client.get(plan_url(survivor)))


# --- referrals: sending side ------------------------------------------------------------------


def test_referral_form_refuses_without_consent_saying_so(
    cast, client_for, make_survivor, types, need
):
    survivor = make_survivor()
    legal = need(survivor)
    client = client_for(cast.case_worker)
    page = client.get(plan_url(survivor, "referrals/new/"))
    assert "No referral consent in force." in body(page)
    response = client.post(
        plan_url(survivor, "referrals/new/"),
        {
            "service_type": types["legal_aid"].pk,
            "need": legal.pk,
            "to_provider": cast.gov_provider.pk,
            "sent_on": "2026-01-20",
        },
    )
    assert response.status_code == 200
    assert "This survivor has not given consent to be referred" in body(response)
    assert Referral.objects.count() == 0


def test_referral_list_worklist_and_scope(cast, client_for, planned):
    referral = planned[3]
    response = client_for(cast.case_worker).get("/referrals/")
    assert response.status_code == 200
    assert referral.survivor.code in body(response)
    assert "no answer after 14 days" in body(response)  # sent 2026-01-22, months ago
    response = client_for(cast.case_worker).get("/referrals/", {"unanswered": "on"})
    assert referral.survivor.code in body(response)
    assert referral.survivor.code not in body(client_for(cast.other_case_worker).get("/referrals/"))
    assert client_for(cast.donor).get("/referrals/").status_code == 404
    assert client_for(cast.me_officer).get("/referrals/?tab=received").status_code == 404
    assert AuditEntry.objects.filter(action=Action.LIST, object_type="referral").exists()


def test_sender_records_the_providers_answer(cast, client_for, planned):
    referral = planned[3]
    url = f"/referrals/{referral.uuid}/"
    client = client_for(cast.case_worker)
    page = client.get(url)
    assert "Withdrawn" in body(page)  # the sender may withdraw
    assert "Prefers a female lawyer" in body(page)
    response = client.post(url, {"status": "service_started", "on": "2026-02-01", "reason": ""})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == "service_started"
    assert referral.episode.started_on == D(2026, 2, 1)
    assert referral.events.last().by_organisation == cast.ngo_a


# --- referrals: receiving side (a provider with ctip users) -----------------------------------


def test_provider_sees_minimum_without_data_sharing_consent(
    cast, client_for, planned, provider_user
):
    referral = planned[3]
    client = client_for(provider_user)
    listing = client.get("/referrals/")
    assert listing.status_code == 200
    assert referral.survivor.code in body(listing)
    assert "Friends Foundation" in body(listing)  # from whom
    page = client.get(f"/referrals/{referral.uuid}/")
    assert page.status_code == 200
    assert referral.survivor.code in body(page)
    assert_no_pii(page)
    assert "Prefers a female lawyer" not in body(page)
    assert "Withdrawn" not in body(page)  # only the sender withdraws
    entry = AuditEntry.objects.filter(action=Action.VIEW).latest("id")
    assert (entry.object_ref, entry.organisation_code, entry.detail["side"]) == (
        referral.survivor.code,
        "th-dsdw",
        "receiver",
    )
    assert entry.detail["identity"] is False
    # The survivor's own pages stay closed to the provider.
    assert client.get(f"/survivors/{referral.survivor.code}/").status_code == 404
    assert client.get(plan_url(referral.survivor)).status_code == 404


def test_provider_sees_name_and_phone_with_data_sharing_consent(
    cast, client_for, planned, provider_user, consent
):
    referral = planned[3]
    consent(referral.survivor, "data_sharing")
    page = client_for(provider_user).get(f"/referrals/{referral.uuid}/")
    assert "Somsri Kaewmanee" in body(page)
    assert "+66 81 234 5678" in body(page)
    assert "Prefers a female lawyer" in body(page)


def test_provider_answers_accept_then_service_started(cast, client_for, planned, provider_user):
    referral = planned[3]
    client = client_for(provider_user)
    url = f"/referrals/{referral.uuid}/"
    assert (
        client.post(url, {"status": "withdrawn", "on": "2026-02-01", "reason": "other"}).status_code
        == 200
    )
    referral.refresh_from_db()
    assert referral.status == "sent"
    assert client.post(url, {"status": "accepted", "on": "2026-01-23"}).status_code == 302
    assert client.post(url, {"status": "service_started", "on": "2026-01-30"}).status_code == 302
    referral.refresh_from_db()
    assert referral.status == "service_started"
    event = referral.events.last()
    assert (event.by, event.by_organisation) == (provider_user, cast.gov_provider)
    assert referral.episode.provider == cast.gov_provider
    assert referral.episode.organisation == cast.ngo_a  # the case owner keeps the record


def test_provider_cannot_see_referrals_sent_elsewhere(
    cast, client_for, planned, provider_user, make_survivor, types, need, consent
):
    survivor = make_survivor(org=cast.ngo_b)
    consent(survivor)
    elsewhere = referral_send(
        origin=SYSTEM,
        survivor=survivor,
        service_type=types["legal_aid"],
        to_provider=cast.ngo_a,
        need=need(survivor),
        sent_on=D(2026, 1, 22),
    )
    client = client_for(provider_user)
    assert client.get(f"/referrals/{elsewhere.uuid}/").status_code == 404
    assert elsewhere.survivor.code not in body(client.get("/referrals/"))
    response = client.post(
        f"/referrals/{elsewhere.uuid}/", {"status": "accepted", "on": "2026-01-23"}
    )
    assert response.status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.status == "sent"


# --- transfers -------------------------------------------------------------------------------


@pytest.fixture
def kh_worker(cast):
    return user_create(
        origin=SYSTEM,
        username="sophea",
        password="x-very-long-password-1",  # noqa: S106
        role=Role.CASE_WORKER,
        organisation=cast.ngo_kh,
    )


def test_transfer_across_country_projects_through_the_pages(
    cast, client_for, planned, consent, kh_worker
):
    survivor, episode, *_ = planned
    sender = client_for(cast.case_worker)
    response = sender.post(
        plan_url(survivor, "transfer/"),
        {"to_organisation": cast.ngo_kh.pk, "reason": "returns_home"},
    )
    assert "has not given consent to share their data" in body(response)
    consent(survivor, "data_sharing")
    response = sender.post(
        plan_url(survivor, "transfer/"),
        {"to_organisation": cast.ngo_kh.pk, "reason": "returns_home"},
    )
    assert response.status_code == 302
    transfer = CaseTransfer.objects.get()
    receiver = client_for(kh_worker)
    listing = receiver.get("/transfers/")
    assert survivor.code in body(listing)
    assert_no_pii(listing)
    # Nobody else answers it.
    assert (
        client_for(cast.other_case_worker).post(f"/transfers/{transfer.pk}/accept/").status_code
        == 404
    )
    assert sender.post(f"/transfers/{transfer.pk}/accept/").status_code == 404
    response = receiver.post(f"/transfers/{transfer.pk}/accept/")
    assert response.status_code == 302
    assert response["Location"] == f"/survivors/{survivor.code}/edit/"
    assert Survivor.objects.get(pk=survivor.pk).organisation == cast.ngo_kh
    # The sender keeps no access at all.
    for path in (
        f"/survivors/{survivor.code}/",
        plan_url(survivor),
        f"/referrals/{planned[3].uuid}/",
    ):
        assert sender.get(path).status_code == 404, path
    assert receiver.get(plan_url(survivor)).status_code == 200
    # Both sides have their audit trail.
    codes = set(
        AuditEntry.objects.filter(
            object_ref=survivor.code, detail__transfer="accepted"
        ).values_list("organisation_code", flat=True)
    )
    assert codes == {"th-ngo-a", "kh-ngo"}
    outgoing = sender.get("/transfers/")
    assert survivor.code in body(outgoing) and "Accepted" in body(outgoing)


# --- the provider directory -------------------------------------------------------------------


@pytest.fixture
def directory(cast, types, profile):
    """Besides `profile` (government, legal aid + shelter, all of Ranong): an NGO offering legal
    aid only in Mueang Ranong district, and one in Chiang Mai."""
    ngo = organisation_create(
        origin=SYSTEM,
        code="th-legal",
        name="Migrant Legal Clinic",
        kind="provider",
        parent=cast.thailand,
        provider_type="ngo",
    )
    clinic = ProviderProfile.objects.create(organisation=ngo)
    clinic.service_types.set([types["legal_aid"]])
    ProviderArea.objects.create(
        provider=clinic, country="TH", province="Ranong", district="Mueang Ranong"
    )
    cm = organisation_create(
        origin=SYSTEM,
        code="th-cm",
        name="Chiang Mai Counselling",
        kind="provider",
        parent=cast.thailand,
        provider_type="ngo",
    )
    counselling = ProviderProfile.objects.create(organisation=cm)
    counselling.service_types.set([types["psychosocial"], types["legal_aid"]])
    ProviderArea.objects.create(provider=counselling, country="TH", province="Chiang Mai")
    return profile, clinic, counselling


def names(response):
    text = body(response)
    return [
        name
        for name in ("Social Development Office", "Migrant Legal Clinic", "Chiang Mai Counselling")
        if name in text
    ]


def test_who_offers_legal_aid_in_this_district(cast, client_for, directory):
    client = client_for(cast.case_worker)
    query = {
        "service_type": "legal_aid",
        "country": "TH",
        "province": "ranong",
        "district": "Mueang Ranong",
    }
    assert names(client.get("/providers/", query)) == [
        "Social Development Office",
        "Migrant Legal Clinic",
    ]
    query["district"] = "Kapoe"  # the province-wide office covers it; the district clinic not
    assert names(client.get("/providers/", query)) == ["Social Development Office"]
    assert names(client.get("/providers/", {"service_type": "psychosocial"})) == [
        "Chiang Mai Counselling"
    ]
    assert names(client.get("/providers/", {"provider_type": "government"})) == [
        "Social Development Office"
    ]
    assert names(client.get("/providers/", {"accepts_referrals": "on"})) == [
        "Social Development Office"
    ]
    partial = client.get("/providers/", {"service_type": "legal_aid"}, HTTP_HX_REQUEST="true")
    assert "<html" not in body(partial) and "3 providers" in body(partial)


def test_directory_is_shared_but_not_across_implementers(cast, client_for, directory):
    # A donor of the same implementer sees it; a user of another implementer does not.
    assert names(client_for(cast.donor).get("/providers/")) == [
        "Social Development Office",
        "Migrant Legal Clinic",
        "Chiang Mai Counselling",
    ]
    other_root = organisation_create(origin=SYSTEM, code="other", name="Other", kind="implementer")
    outsider = user_create(
        origin=SYSTEM,
        username="outsider",
        password="x-very-long-password-1",  # noqa: S106
        role=Role.CASE_WORKER,
        organisation=other_root,
    )
    assert names(client_for(outsider).get("/providers/")) == []
    assert client_for(outsider).get("/providers/th-dsdw/").status_code == 404
    page = client_for(cast.case_worker).get("/providers/th-dsdw/")
    assert "+66 77 000 111" in body(page)


# --- livelihood grants -------------------------------------------------------------------------


def test_standard_grant_set_by_programme_manager_and_differing_grants_listed(
    cast, client_for, make_survivor, types, need
):
    manager = client_for(cast.programme_manager)
    response = manager.post(
        "/services/livelihood/",
        {
            "project": cast.thailand.pk,
            "standard_grant_amount": "15000",
            "standard_grant_currency": "THB",
        },
    )
    assert response.status_code == 302
    survivor = make_survivor()
    episode = episode_record(
        origin=SYSTEM,
        survivor=survivor,
        service_type=types["business_support"],
        provider=cast.ngo_a,
        need=need(survivor, "livelihood"),
        started_on=D(2026, 1, 20),
    )
    livelihood_record(
        origin=SYSTEM,
        episode=episode,
        business="Grocery",
        grant_amount=Decimal("25000"),
        grant_currency="THB",
    )
    page = manager.get("/services/livelihood/")
    assert survivor.code in body(page) and "25000.00 THB" in body(page)
    assert "15000.00 THB" in body(page)
    assert_no_pii(page)
    # A case worker reads the list but cannot set the standard.
    worker = client_for(cast.case_worker)
    assert survivor.code in body(worker.get("/services/livelihood/"))
    assert worker.post("/services/livelihood/", {"project": cast.thailand.pk}).status_code == 404
    assert client_for(cast.donor).get("/services/livelihood/").status_code == 404
    service_settings_set(
        origin=SYSTEM,
        project=cast.thailand,
        standard_grant_amount=Decimal("25000"),
        standard_grant_currency="THB",
    )
    assert survivor.code not in body(worker.get("/services/livelihood/"))


def test_receiver_side_answer_uses_receiver_statuses_only(cast, planned, provider_user):
    referral = planned[3]
    referral_set_status(
        origin=SYSTEM,
        referral=referral,
        status="declined",
        on=D(2026, 1, 23),
        side=RECEIVER,
        organisation=cast.gov_provider,
        reason="no_capacity",
    )
    referral.refresh_from_db()
    assert referral.status == "declined"


def test_lists_do_not_query_per_row(
    cast, client_for, make_survivor, types, need, consent, directory, django_assert_max_num_queries
):
    def add_referral():
        survivor = make_survivor()
        consent(survivor)
        referral_send(
            origin=SYSTEM,
            survivor=survivor,
            service_type=types["legal_aid"],
            to_provider=cast.gov_provider,
            need=need(survivor),
            sent_on=D(2026, 1, 22),
        )

    add_referral()
    client = client_for(cast.case_worker)
    for path in ("/referrals/", "/providers/"):
        client.get(path)
        with django_assert_max_num_queries(60) as first:
            client.get(path)
        add_referral()
        add_referral()
        with django_assert_max_num_queries(len(first.captured_queries)):
            client.get(path)
