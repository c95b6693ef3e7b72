"""The pages that write: register, edit, consent, need, interest, close and reopen."""

import datetime as dt

import pytest
from django.utils import timezone

from ctip.cases.models import CaseEvent, CaseStatus, Consent, Need, StatedInterest, Survivor
from ctip.core.audit import Action
from ctip.core.models import AuditEntry

TODAY = timezone.localdate


def registration(cast, **overrides):
    data = {
        "organisation": cast.ngo_a.pk,
        "case_worker": cast.case_worker.pk,
        "given_name": "Mya",
        "family_name": "Thandar",
        "phone": "+95 9 4200 1234",
        "sex": "female",
        "birth_year": "2004",
        "nationality": "mm",
        "exploitation": ["domestic", "labour"],
        "identified_on": "2026-01-20",
        "identifying_agency": cast.gov_provider.pk,
        "address": "",
        "notes": "",
    }
    data.update(overrides)
    return data


def form_errors(response):
    return {name: list(errors) for name, errors in response.context["form"].errors.items()}


# --- who may open the forms ------------------------------------------------------------------


FORM_PATHS = ["edit/", "consents/new/", "needs/new/", "interests/new/", "close/"]


@pytest.mark.parametrize(
    "role", ["me_officer", "programme_manager", "donor", "pse_officer", "sysadmin"]
)
def test_read_only_roles_get_404_on_every_form(role, cast, client_for, make_survivor):
    survivor = make_survivor()
    client = client_for(getattr(cast, role))
    assert client.get("/survivors/new/").status_code == 404
    assert client.post("/survivors/new/", registration(cast)).status_code == 404
    for suffix in FORM_PATHS:
        assert client.get(f"/survivors/{survivor.code}/{suffix}").status_code == 404
    assert client.post(f"/survivors/{survivor.code}/reopen/").status_code == 404
    assert Survivor.objects.count() == 1
    assert not AuditEntry.objects.filter(action__in=[Action.VIEW, Action.CHANGE]).exists()


def test_other_ngo_worker_gets_404_and_writes_nothing(cast, client_for, make_survivor):
    survivor = make_survivor()
    need = Need.objects.create(
        survivor=survivor,
        organisation=cast.ngo_a,
        category="legal",
        assessed_on=dt.date(2026, 2, 1),
    )
    client = client_for(cast.other_case_worker)
    for suffix in FORM_PATHS:
        response = client.get(f"/survivors/{survivor.code}/{suffix}")
        assert response.status_code == 404
        assert "Somsri" not in response.content.decode()
    posted = client.post(
        f"/survivors/{survivor.code}/consents/new/",
        {"purpose": "referral", "given": "yes", "decided_on": "2026-02-01"},
    )
    assert posted.status_code == 404
    status = client.post(f"/survivors/{survivor.code}/needs/{need.uuid}/status/", {"status": "met"})
    assert status.status_code == 404
    need.refresh_from_db()
    assert need.status == "open"
    assert not Consent.objects.exists()


def test_programme_manager_with_grant_may_register(cast, client_for):
    cast.programme_manager.pii_granted = True
    cast.programme_manager.save()
    response = client_for(cast.programme_manager).post(
        "/survivors/new/", registration(cast, organisation=cast.ngo_b.pk, case_worker="")
    )
    assert response.status_code == 302
    assert Survivor.objects.get().organisation == cast.ngo_b


# --- register --------------------------------------------------------------------------------


def test_register_creates_the_survivor_and_audits_it(cast, client_for):
    client = client_for(cast.case_worker)
    form = client.get("/survivors/new/")
    assert form.status_code == 200
    choices = {str(org.pk) for org in form.context["form"].fields["organisation"].queryset}
    assert choices == {str(cast.ngo_a.pk), str(cast.site_a.pk)}
    response = client.post("/survivors/new/", registration(cast))
    survivor = Survivor.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/survivors/{survivor.code}/"
    assert survivor.code.startswith("TH-")
    assert (survivor.given_name, survivor.family_name, survivor.phone) == (
        "Mya",
        "Thandar",
        "+95 9 4200 1234",
    )
    assert (survivor.sex, survivor.birth_year, survivor.nationality) == ("female", 2004, "MM")
    assert survivor.exploitation_list == ["domestic", "labour"]
    assert survivor.identifying_agency == cast.gov_provider
    assert survivor.case_worker == cast.case_worker
    entry = AuditEntry.objects.get(action=Action.CREATE, object_type="survivor")
    assert (entry.actor, entry.object_ref, entry.detail) == (cast.case_worker, survivor.code, {})
    page = client.get(response["Location"])
    assert f"Survivor registered as {survivor.code}." in page.content.decode()


def test_possible_duplicate_is_shown_before_registering(cast, client_for, make_survivor):
    existing = make_survivor(phone="")
    client = client_for(cast.case_worker)
    data = registration(
        cast, given_name="Kaewmanee", family_name="Somsri", birth_year="1998", phone=""
    )
    response = client.post("/survivors/new/", data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "This person may already be registered" in body
    assert f'href="/survivors/{existing.code}/"' in body
    assert "register anyway" in body
    assert Survivor.objects.count() == 1
    again = client.post("/survivors/new/", {**data, "register_anyway": "on"})
    assert again.status_code == 302
    assert Survivor.objects.count() == 2


def test_duplicate_by_phone_in_another_format(cast, client_for, make_survivor):
    existing = make_survivor()
    response = client_for(cast.case_worker).post(
        "/survivors/new/", registration(cast, phone="081 234 5678")
    )
    assert [s.code for s in response.context["duplicates"]] == [existing.code]


def test_duplicates_in_another_ngo_are_not_disclosed(cast, client_for, make_survivor):
    make_survivor(org=cast.ngo_b)
    response = client_for(cast.case_worker).post(
        "/survivors/new/", registration(cast, phone="+66 81 234 5678")
    )
    assert response.status_code == 302
    assert Survivor.objects.count() == 2


def test_register_validation_messages_land_on_their_fields(cast, client_for):
    client = client_for(cast.case_worker)
    response = client.post(
        "/survivors/new/",
        registration(cast, birth_year="2090", identified_on="2090-01-01", sex=""),
    )
    assert response.status_code == 200
    assert form_errors(response) == {"sex": ["This field is required."]}
    response = client.post(
        "/survivors/new/", registration(cast, birth_year="2090", identified_on="2090-01-01")
    )
    assert form_errors(response) == {
        "birth_year": ["2090 is not a plausible birth year."],
        "identified_on": ["2090-01-01 is in the future."],
    }
    body = response.content.decode()
    assert '<p class="field-error" role="alert">2090 is not a plausible birth year.</p>' in body
    assert Survivor.objects.count() == 0


def test_register_refuses_organisations_and_workers_out_of_scope(cast, client_for):
    response = client_for(cast.case_worker).post(
        "/survivors/new/",
        registration(cast, organisation=cast.ngo_b.pk, case_worker=cast.other_case_worker.pk),
    )
    errors = form_errors(response)
    assert set(errors) == {"organisation", "case_worker"}
    assert Survivor.objects.count() == 0


def test_worker_of_another_site_is_refused_by_the_service(cast, client_for):
    # ngo_a's worker is a valid choice but does not belong to the site: the service says so.
    response = client_for(cast.case_worker).post(
        "/survivors/new/", registration(cast, organisation=cast.site_a.pk)
    )
    assert form_errors(response) == {
        "case_worker": ["The case worker must belong to the owning organisation."]
    }


# --- edit ------------------------------------------------------------------------------------


def test_edit_shows_the_profile_audits_the_view_and_saves_changes(cast, client_for, make_survivor):
    survivor = make_survivor()
    client = client_for(cast.case_worker)
    page = client.get(f"/survivors/{survivor.code}/edit/")
    assert page.status_code == 200
    assert 'value="Somsri"' in page.content.decode()
    assert AuditEntry.objects.filter(action=Action.VIEW, object_ref=survivor.code).count() == 1
    data = {
        "case_worker": cast.supervisor.pk,
        "given_name": "Somsri",
        "family_name": "Kaewmanee",
        "phone": "+66 89 765 4321",
        "sex": "female",
        "birth_year": "1998",
        "nationality": "MM",
        "exploitation": ["labour"],
        "identified_on": "2026-01-15",
        "identifying_agency": "",
        "address": "",
        "notes": "",
    }
    response = client.post(f"/survivors/{survivor.code}/edit/", data)
    assert response.status_code == 302
    survivor.refresh_from_db()
    assert survivor.phone == "+66 89 765 4321"
    assert survivor.case_worker == cast.supervisor
    change = AuditEntry.objects.get(action=Action.CHANGE, object_ref=survivor.code)
    assert change.detail == {"fields": ["case_worker", "phone"]}
    found = client.get("/survivors/", {"q": "089 765 4321"})
    assert [s.code for s in found.context["page"].object_list] == [survivor.code]


# --- consent, need, interest, close ----------------------------------------------------------


def test_record_consent(cast, client_for, make_survivor):
    survivor = make_survivor()
    client = client_for(cast.case_worker)
    assert client.get(f"/survivors/{survivor.code}/consents/new/").status_code == 200
    response = client.post(
        f"/survivors/{survivor.code}/consents/new/",
        {"purpose": "referral", "given": "yes", "decided_on": "2026-02-01", "note": "by phone"},
    )
    assert response.status_code == 302
    consent = Consent.objects.get()
    assert (consent.purpose, consent.given, consent.decided_on, consent.note) == (
        "referral",
        True,
        dt.date(2026, 2, 1),
        "by phone",
    )
    assert consent.recorded_by == cast.case_worker
    entry = AuditEntry.objects.get(action=Action.CHANGE, object_ref=survivor.code)
    assert entry.detail == {"consent": "referral", "given": True}
    body = client.get(f"/survivors/{survivor.code}/").content.decode()
    assert "Consent recorded." in body
    assert "given on 2026-02-01" in body


def test_withdrawn_consent_and_future_date(cast, client_for, make_survivor):
    survivor = make_survivor()
    client = client_for(cast.case_worker)
    future = (TODAY() + dt.timedelta(days=3)).isoformat()
    response = client.post(
        f"/survivors/{survivor.code}/consents/new/",
        {"purpose": "data_sharing", "given": "no", "decided_on": future},
    )
    assert form_errors(response) == {"decided_on": ["The date of consent cannot be in the future."]}
    client.post(
        f"/survivors/{survivor.code}/consents/new/",
        {"purpose": "data_sharing", "given": "no", "decided_on": "2026-02-02"},
    )
    assert Consent.objects.get().given is False
    body = client.get(f"/survivors/{survivor.code}/").content.decode()
    assert "withdrawn on 2026-02-02" in body


def test_assess_need_and_change_its_status(cast, client_for, make_survivor):
    survivor = make_survivor()
    client = client_for(cast.case_worker)
    response = client.post(
        f"/survivors/{survivor.code}/needs/new/",
        {"category": "shelter", "assessed_on": "2026-02-01", "status": "open", "notes": "tonight"},
    )
    assert response.status_code == 302
    need = Need.objects.get()
    assert (need.category, need.status, need.notes) == ("shelter", "open", "tonight")
    created = AuditEntry.objects.get(
        action=Action.CREATE, object_ref=survivor.code, actor=cast.case_worker
    )
    assert created.detail == {"need": str(need.uuid), "category": "shelter"}

    status_url = f"/survivors/{survivor.code}/needs/{need.uuid}/status/"
    row = client.post(status_url, {"status": "met"}, HTTP_HX_REQUEST="true")
    assert row.status_code == 200
    body = row.content.decode()
    assert body.startswith(f'<tr id="need-{need.uuid}">')
    assert '<option value="met" selected>' in body
    assert "Saved" in body
    need.refresh_from_db()
    assert need.status == "met"

    plain = client.post(status_url, {"status": "withdrawn"})
    assert plain.status_code == 302
    need.refresh_from_db()
    assert need.status == "withdrawn"
    assert CaseEvent.objects.filter(type="need_status_changed").count() == 2


def test_need_status_under_another_survivors_url_is_404(cast, client_for, make_survivor):
    first = make_survivor()
    second = make_survivor(given_name="Nok")
    need = Need.objects.create(
        survivor=first, organisation=cast.ngo_a, category="legal", assessed_on=dt.date(2026, 2, 1)
    )
    response = client_for(cast.case_worker).post(
        f"/survivors/{second.code}/needs/{need.uuid}/status/", {"status": "met"}
    )
    assert response.status_code == 404


def test_need_in_the_future_is_refused_on_its_field(cast, client_for, make_survivor):
    survivor = make_survivor()
    future = (TODAY() + dt.timedelta(days=1)).isoformat()
    response = client_for(cast.case_worker).post(
        f"/survivors/{survivor.code}/needs/new/",
        {"category": "health", "assessed_on": future, "status": "open"},
    )
    assert form_errors(response) == {
        "assessed_on": ["The assessment date cannot be in the future."]
    }


def test_state_interest(cast, client_for, make_survivor):
    survivor = make_survivor()
    client = client_for(cast.case_worker)
    response = client.post(
        f"/survivors/{survivor.code}/interests/new/",
        {"interest": "business_support", "stated_on": "2026-02-01", "detail": "a noodle stall"},
    )
    assert response.status_code == 302
    interest = StatedInterest.objects.get()
    assert (interest.interest, interest.detail) == ("business_support", "a noodle stall")
    body = client.get(f"/survivors/{survivor.code}/").content.decode()
    assert "Own business" in body
    assert "a noodle stall" in body


def test_close_and_reopen(cast, client_for, make_survivor):
    survivor = make_survivor()
    client = client_for(cast.case_worker)
    early = client.post(
        f"/survivors/{survivor.code}/close/", {"reason": "reintegrated", "closed_on": "2026-01-01"}
    )
    assert form_errors(early) == {"closed_on": ["A case cannot close before it opened."]}
    response = client.post(
        f"/survivors/{survivor.code}/close/", {"reason": "reintegrated", "closed_on": "2026-03-01"}
    )
    assert response.status_code == 302
    survivor.refresh_from_db()
    assert (survivor.status, survivor.closed_reason, survivor.closed_on) == (
        CaseStatus.CLOSED,
        "reintegrated",
        dt.date(2026, 3, 1),
    )
    body = client.get(f"/survivors/{survivor.code}/").content.decode()
    assert "Case closed: Reintegrated" in body
    assert "Reopen the case" in body
    assert client.get(f"/survivors/{survivor.code}/close/").status_code == 302
    assert client.get(f"/survivors/{survivor.code}/reopen/").status_code == 405
    client.post(f"/survivors/{survivor.code}/reopen/")
    survivor.refresh_from_db()
    assert (survivor.status, survivor.closed_reason, survivor.closed_on) == ("open", "", None)
