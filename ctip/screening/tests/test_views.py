"""Staff pages: scoping (out of scope is 404), the outreach flow end to end, the counts page,
the frameworks directory and its entries on the referral page."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from ctip.cases.models import Survivor
from ctip.conftest import SYSTEM
from ctip.core.models import AuditEntry
from ctip.screening.models import Screen
from ctip.screening.services import framework_create, screen_refer
from ctip.screening.tests.conftest import NEGATIVE, POSITIVE_ADULT
from ctip.services.models import Referral

D = dt.date
pytestmark = pytest.mark.django_db


def answers_post(answers, age="adult", language="en"):
    data = {"language": language, "age": age}
    data.update({f"q_{key}": value for key, value in answers.items()})
    return data


def test_outreach_flow_screen_then_consent_then_referral(cast, client_for, provider, shelter):
    client = client_for(cast.case_worker)
    page = client.get("/screening/new/?lang=th")
    assert page.status_code == 200
    assert "machine" in page.content.decode()  # Thai texts flagged as machine-made
    response = client.post("/screening/new/", answers_post(POSITIVE_ADULT, language="th"))
    screen = Screen.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/screening/{screen.pk}/"
    assert screen.language == "th" and screen.screened_by == cast.case_worker
    detail = client.get(f"/screening/{screen.pk}/").content.decode()
    assert "Refer for formal identification." in detail
    lowered = detail.lower()
    assert "victim" not in lowered and "trafficked" not in lowered
    refer_page = client.get(f"/screening/{screen.pk}/refer/")
    assert refer_page.status_code == 200
    response = client.post(
        f"/screening/{screen.pk}/refer/",
        {
            "consent_referral": "on",
            "consent_on": timezone.localdate().isoformat(),
            "given_name": "Moe",
            "family_name": "Thandar",
            "sex": "female",
            "service_type": shelter.pk,
            "provider": provider.pk,
        },
    )
    assert response.status_code == 302
    screen.refresh_from_db()
    assert screen.consent == "given"
    assert Survivor.objects.get() == screen.survivor
    assert Referral.objects.get() == screen.referral


def test_refer_without_consent_box_writes_nothing(cast, client_for, provider, shelter,
                                                  outreach_screen):  # fmt: skip
    screen = outreach_screen()
    response = client_for(cast.case_worker).post(
        f"/screening/{screen.pk}/refer/",
        {"consent_on": "2026-03-11", "given_name": "Moe", "sex": "female",
         "service_type": shelter.pk, "provider": provider.pk},
    )  # fmt: skip
    assert response.status_code == 200
    assert "Without the person&#x27;s consent nothing is recorded." in response.content.decode()
    assert Survivor.objects.count() == 0


def test_decline_keeps_anonymous_counts_only(cast, client_for, outreach_screen):
    screen = outreach_screen(NEGATIVE)
    response = client_for(cast.case_worker).post(f"/screening/{screen.pk}/decline/")
    assert response.status_code == 302
    screen.refresh_from_db()
    assert screen.consent == "declined"
    assert Survivor.objects.count() == 0


def test_out_of_scope_screen_is_404(cast, client_for, outreach_screen):
    screen = outreach_screen()
    assert client_for(cast.supervisor).get(f"/screening/{screen.pk}/").status_code == 200
    assert client_for(cast.me_officer).get(f"/screening/{screen.pk}/").status_code == 200
    for user in (cast.other_case_worker, cast.donor, cast.pse_officer):
        client = client_for(user)
        assert client.get(f"/screening/{screen.pk}/").status_code == 404, user
        assert client.get(f"/screening/{screen.pk}/refer/").status_code == 404, user
        assert client.post(f"/screening/{screen.pk}/decline/").status_code == 404, user
    # M&E may read but not screen or refer (no PII role).
    assert client_for(cast.me_officer).get(f"/screening/{screen.pk}/refer/").status_code == 404
    assert client_for(cast.me_officer).get("/screening/new/").status_code == 404
    assert Client().get(f"/screening/{screen.pk}/").status_code == 302  # to the login


def test_reading_a_screen_is_audited(cast, client_for, outreach_screen):
    screen = outreach_screen()
    client_for(cast.supervisor).get(f"/screening/{screen.pk}/")
    entry = AuditEntry.objects.filter(object_type="screen", action="view").get()
    assert entry.object_ref == screen.short_ref


def test_list_is_scoped_and_filtered(cast, client_for, outreach_screen):
    outreach_screen()
    outreach_screen(NEGATIVE, language="en")
    outreach_screen(org=cast.ngo_b, user=cast.other_case_worker)
    body = client_for(cast.case_worker).get("/screening/").content.decode()
    assert "2 screens" in body
    body = client_for(cast.me_officer).get("/screening/?suggests=yes").content.decode()
    assert "2 screens" in body
    body = client_for(cast.me_officer).get("/screening/?language=en").content.decode()
    assert "1 screen" in body


def test_counts_page(cast, client_for, outreach_screen, provider, shelter):
    outreach_screen()
    outreach_screen(NEGATIVE, language="en")
    screen = outreach_screen(on=D(2026, 5, 2))
    screen_refer(
        origin=SYSTEM, user=cast.case_worker, screen=screen, provider=provider,
        service_type=shelter, consent_on=D(2026, 5, 2), sent_on=D(2026, 5, 2),
        given_name="Moe", family_name="Thandar",
    )  # fmt: skip
    response = client_for(cast.me_officer).get("/screening/counts/?start=2026-01-01&end=2026-12-31")
    assert response.status_code == 200
    totals = response.context["totals"]
    assert totals == {"screens": 3, "positive": 2, "suggested": 2, "consented": 1, "referred": 1}
    assert response.context["share"] == 33.3
    assert client_for(cast.donor).get("/screening/counts/").status_code == 404


def test_frameworks_directory_and_editing_rights(cast, client_for):
    framework = framework_create(
        origin=SYSTEM, title="Anti-Trafficking in Persons Act B.E. 2551 (2008)",
        country="TH", kind="law", adopted="2008", amended="2015; 2017; 2019",
    )  # fmt: skip
    framework_create(
        origin=SYSTEM, title="COMMIT MOU", countries="KH;TH;LA", kind="agreement",
        adopted="2004-10",
    )  # fmt: skip
    body = client_for(cast.donor).get("/frameworks/TH/").content.decode()
    assert "Anti-Trafficking in Persons Act" in body and "COMMIT MOU" in body
    assert "2015; 2017; 2019" in body
    body = client_for(cast.donor).get("/frameworks/KH/").content.decode()
    assert "COMMIT MOU" in body and "Anti-Trafficking in Persons Act" not in body
    assert client_for(cast.donor).get("/frameworks/ZZ/").status_code == 404
    assert client_for(cast.case_worker).get("/frameworks/new/").status_code == 404
    assert client_for(cast.case_worker).get(f"/frameworks/{framework.pk}/edit/").status_code == 404
    manager = client_for(cast.programme_manager)
    response = manager.post(
        "/frameworks/new/",
        {"title": "Law on Anti-Trafficking in Persons", "kind": "law", "country": "la",
         "adopted": "2015"},
    )  # fmt: skip
    assert response.status_code == 302 and response["Location"] == "/frameworks/LA/"
    response = manager.post(f"/frameworks/{framework.pk}/edit/", {"listed": "0"})
    framework.refresh_from_db()
    assert framework.active is False


def test_referral_page_shows_the_frameworks_of_its_countries(
    cast, client_for, outreach_screen, provider, shelter
):
    framework_create(origin=SYSTEM, title="Thai Act", country="TH", kind="law", adopted="2008")
    framework_create(origin=SYSTEM, title="Cambodian Law", country="KH", kind="law")
    framework_create(origin=SYSTEM, title="Regional MOU", countries="TH;KH", kind="agreement")
    screen = outreach_screen()
    screen_refer(
        origin=SYSTEM, user=cast.case_worker, screen=screen, provider=provider,
        service_type=shelter, consent_on=D(2026, 3, 11), sent_on=D(2026, 3, 11),
        given_name="Moe", family_name="Thandar",
    )  # fmt: skip
    screen.refresh_from_db()
    body = client_for(cast.case_worker).get(f"/referrals/{screen.referral.uuid}/").content.decode()
    assert "Protection frameworks that apply" in body
    assert "Thai Act" in body and "Regional MOU" in body
    assert "Cambodian Law" not in body
