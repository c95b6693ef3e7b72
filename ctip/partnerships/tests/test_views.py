"""The partnership pages: who sees what (404 outside scope), the board's moves, the avoided-term
warning, restricted concerns, scoped downloads."""

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ctip.conftest import SYSTEM, _user
from ctip.core.audit import Action
from ctip.core.models import AuditEntry, Role
from ctip.partnerships import services
from ctip.partnerships.models import (
    CONCERNS_GROUP,
    Concern,
    Document,
    Engagement,
    EngagementEvent,
    Stage,
)
from ctip.partnerships.tests.conftest import (
    D,
    make_company,
    make_engagement,
    make_job_placement,
    walk,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def kh_manager(cast):
    return _user("kosal", Role.PROGRAMME_MANAGER, cast.cambodia)


@pytest.fixture
def shared(cast):
    """One company engaged by Thailand (stage first meeting) and Cambodia (landscape)."""
    company = make_company(cast, "Mekong Garments")
    th = make_engagement(
        cast, company, framing="worker wellbeing", avoided_terms="trafficking\nforced labour"
    )
    walk(th, [(Stage.FIRST_MEETING, D(2026, 2, 1))])
    kh = make_engagement(cast, company, project=cast.cambodia, framing="safe migration")
    return company, th, kh


def _get(client, name, *args, **query):
    url = reverse(f"partnerships:{name}", args=args)
    return client.get(url, query)


# --- who sees what --------------------------------------------------------------------------


def test_anonymous_is_sent_to_log_in(client, shared):
    company, th, _kh = shared
    for url in (
        reverse("partnerships:dashboard"),
        reverse("partnerships:company_detail", args=[company.uuid]),
        reverse("partnerships:engagement_detail", args=[th.uuid]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert "/account/login/" in response["Location"]


@pytest.mark.parametrize("role", ["case_worker", "supervisor", "sysadmin"])
def test_roles_without_partnerships_get_404_everywhere(cast, client_for, shared, role):
    company, th, _kh = shared
    client = client_for(getattr(cast, role))
    for name, args in [
        ("dashboard", []),
        ("board", []),
        ("company_list", []),
        ("company_detail", [company.uuid]),
        ("engagement_detail", [th.uuid]),
        ("funding", []),
        ("stakeholders", []),
    ]:
        assert _get(client, name, *args).status_code == 404, name
    assert "Partnerships" not in client.get("/").content.decode()


def test_donor_sees_the_dashboard_counts_only(cast, client_for, shared):
    company, th, _kh = shared
    client = client_for(cast.donor)
    response = _get(client, "dashboard", period="2026")
    assert response.status_code == 200
    body = response.content.decode()
    assert "PSE-1" in body and "PSE-5" in body
    assert "Mekong Garments" not in body
    for name, args in [("company_list", []), ("company_detail", [company.uuid]),
                       ("engagement_detail", [th.uuid]), ("board", [])]:  # fmt: skip
        assert _get(client, name, *args).status_code == 404
    assert ">Partnerships<" in client.get("/").content.decode()


def test_pse_officer_sees_every_country_project(cast, client_for, shared):
    company, th, kh = shared
    client = client_for(cast.pse_officer)
    assert _get(client, "engagement_detail", th.uuid).status_code == 200
    assert _get(client, "engagement_detail", kh.uuid).status_code == 200
    board = _get(client, "board").content.decode()
    assert board.count('class="eng-card-title"') == 2
    assert board.count(">Mekong Garments</a>") == 2
    assert "Whole implementer" in board


def test_programme_manager_reaches_only_their_projects_engagements(cast, client_for, shared):
    company, th, kh = shared
    client = client_for(cast.programme_manager)
    assert _get(client, "engagement_detail", th.uuid).status_code == 200
    assert _get(client, "engagement_detail", kh.uuid).status_code == 404
    move = reverse("partnerships:engagement_move", args=[kh.uuid])
    assert client.post(move, {"to_stage": "first_meeting"}).status_code == 404
    kh.refresh_from_db()
    assert kh.stage == Stage.LANDSCAPE
    assert _get(client, "board", project="kh").status_code == 404


def test_me_officer_reads_but_cannot_write(cast, client_for, shared):
    company, th, _kh = shared
    client = client_for(cast.me_officer)
    page = _get(client, "engagement_detail", th.uuid)
    assert page.status_code == 200
    assert "Change the stage" not in page.content.decode()
    move = reverse("partnerships:engagement_move", args=[th.uuid])
    assert client.post(move, {"to_stage": "interests_aligned"}).status_code == 404
    add = reverse("partnerships:engagement_add", args=[th.uuid, "check-in"])
    assert client.get(add).status_code == 404
    assert (
        client.post(reverse("partnerships:company_target", args=[company.uuid])).status_code == 404
    )


def test_company_engaged_by_two_projects_shows_both_engagements_to_each(
    cast, client_for, shared, kh_manager
):
    company, th, kh = shared
    for user in (cast.programme_manager, kh_manager):
        body = _get(client_for(user), "company_detail", company.uuid).content.decode()
        assert "Thailand project" in body and "Cambodia project" in body
        assert "First meeting" in body and "Landscape" in body
        assert "worker wellbeing" in body and "safe migration" in body
        assert "forced labour" in body
    # Each sees the other's engagement summarised, and may open only their own.
    th_page = _get(client_for(cast.programme_manager), "engagement_detail", th.uuid)
    assert "Other country projects engaging this company" in th_page.content.decode()
    assert "Cambodia project" in th_page.content.decode()
    assert _get(client_for(kh_manager), "engagement_detail", th.uuid).status_code == 404


def test_engage_page_lists_who_is_already_talking_first(cast, client_for, shared):
    company, th, kh = shared
    other = make_company(cast, "New Co")
    make_engagement(cast, other, project=cast.cambodia, framing="decent work")
    client = client_for(cast.programme_manager)
    page = _get(client, "engagement_create", other.uuid)
    assert page.status_code == 200
    assert "decent work" in page.content.decode()
    response = client.post(
        reverse("partnerships:engagement_create", args=[other.uuid]),
        {"country_project": cast.thailand.pk, "stream": "mechanisms", "framing": "decent work"},
    )
    assert response.status_code == 302
    assert Engagement.objects.filter(company=other, organisation=cast.thailand).exists()
    # Thailand engages it now: nothing left to engage for this manager.
    assert _get(client, "engagement_create", other.uuid).status_code == 404


# --- the board ------------------------------------------------------------------------------


def test_board_move_with_htmx_answers_with_the_board_and_records_the_event(
    cast, client_for, shared
):
    company, th, _kh = shared
    client = client_for(cast.programme_manager)
    response = client.post(
        reverse("partnerships:engagement_move", args=[th.uuid]),
        {"to_stage": "interests_aligned", "from": "board", "project": "th"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="board-area"' in body and "<html" not in body
    th.refresh_from_db()
    assert th.stage == Stage.INTERESTS_ALIGNED
    event = EngagementEvent.objects.filter(engagement=th).latest("id")
    assert (event.from_stage, event.to_stage, event.by) == (
        "first_meeting",
        "interests_aligned",
        cast.programme_manager,
    )


def test_board_refuses_a_concept_note_through_the_gate(cast, client_for, shared):
    company, th, _kh = shared
    client = client_for(cast.programme_manager)
    response = client.post(
        reverse("partnerships:engagement_move", args=[th.uuid]),
        {"to_stage": "concept_note", "from": "board", "project": "th"},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert "was not moved" in body
    assert "alignment record" in body
    th.refresh_from_db()
    assert th.stage == Stage.FIRST_MEETING


def test_closing_from_the_engagement_page_needs_a_reason(cast, client_for, shared):
    company, th, _kh = shared
    client = client_for(cast.programme_manager)
    url = reverse("partnerships:engagement_move", args=[th.uuid])
    client.post(url, {"to_stage": "closed"})
    th.refresh_from_db()
    assert th.stage == Stage.FIRST_MEETING
    client.post(url, {"to_stage": "closed", "reason": "no_shared_interest"})
    th.refresh_from_db()
    assert (th.stage, th.closed_reason) == ("closed", "no_shared_interest")


# --- drafts: the avoided-term warning --------------------------------------------------------


def test_draft_warns_about_avoided_terms_and_shows_where(cast, client_for, shared):
    company, th, _kh = shared
    client = client_for(cast.programme_manager)
    response = client.post(
        reverse("partnerships:draft_create", args=[th.uuid]),
        {
            "kind": "message",
            "title": "Next steps",
            "body": "Dear team,\nour work on human TRAFFICKING and forced labour in fisheries",
        },
        follow=True,
    )
    body = response.content.decode()
    assert "uses terms Mekong Garments asked us to avoid: forced labour, trafficking" in body
    assert "<mark>TRAFFICKING</mark>" in body
    assert "<mark>forced labour</mark>" in body
    assert "text, line 2" in body

    clean = client.post(
        reverse("partnerships:draft_create", args=[th.uuid]),
        {"kind": "message", "title": "Thanks", "body": "Safe migration matters."},
        follow=True,
    )
    assert "No avoided terms found." in clean.content.decode()


def test_concept_note_draft_refused_before_the_gate(cast, client_for, shared):
    company, th, _kh = shared
    client = client_for(cast.programme_manager)
    response = client.post(
        reverse("partnerships:draft_create", args=[th.uuid]),
        {"kind": "concept_note", "title": "Pilot", "body": "…"},
    )
    assert response.status_code == 200
    assert "Record the alignment record" in response.content.decode()
    assert not th.drafts.exists()


# --- concerns: restricted -------------------------------------------------------------------


@pytest.fixture
def concern(cast, shared):
    _company, th, _kh = shared
    return services.concern_record(
        origin=SYSTEM,
        engagement=th,
        found_on=D(2026, 5, 1),
        summary="Recruitment fees charged to workers at a supplier",
        nda_allows="Aggregate findings only",
    )


@pytest.mark.parametrize(
    "role",
    ["pse_officer", "programme_manager", "me_officer", "donor", "case_worker", "sysadmin"],
)
def test_concerns_are_404_for_everyone_outside_the_group(cast, client_for, shared, concern, role):
    _company, th, _kh = shared
    client = client_for(getattr(cast, role))
    assert _get(client, "concern_detail", concern.uuid).status_code == 404
    assert _get(client, "concern_list").status_code == 404
    assert client.get(reverse("partnerships:concern_create", args=[th.uuid])).status_code == 404
    page = _get(client, "engagement_detail", th.uuid)
    body = page.content.decode() if page.status_code == 200 else ""
    assert "Recruitment fees" not in body
    assert str(concern.uuid) not in body
    assert "Concerns" not in body.split("<main", 1)[-1] or page.status_code == 404


def test_concerns_group_members_see_them_within_their_scope(
    cast, client_for, shared, concern, kh_manager
):
    _company, th, _kh = shared
    group = Group.objects.create(name=CONCERNS_GROUP)
    cast.pse_officer.groups.add(group)
    kh_manager.groups.add(group)

    pse = client_for(cast.pse_officer)
    page = _get(pse, "concern_detail", concern.uuid)
    assert page.status_code == 200
    assert "Recruitment fees" in page.content.decode()
    assert "Recruitment fees" not in _get(pse, "concern_list").content.decode()  # summary stays
    assert str(concern.uuid) in _get(pse, "concern_list").content.decode()
    assert AuditEntry.objects.filter(
        action=Action.VIEW, object_type="concern", object_ref=str(concern.uuid)
    ).exists()
    step = pse.post(
        reverse("partnerships:concern_detail", args=[concern.uuid]),
        {"kind": "reported", "on": "2026-05-02", "decided_by": "", "note": "Code of conduct"},
    )
    assert step.status_code == 302
    assert concern.steps.count() == 2

    # In the group but not in the engagement's scope: still 404.
    kh = client_for(kh_manager)
    assert _get(kh, "concern_detail", concern.uuid).status_code == 404
    assert str(concern.uuid) not in _get(kh, "concern_list").content.decode()


def test_recording_a_concern_leaves_no_trace_in_the_engagement_history(cast, client_for, shared):
    _company, th, _kh = shared
    group = Group.objects.create(name=CONCERNS_GROUP)
    cast.programme_manager.groups.add(group)
    client = client_for(cast.programme_manager)
    before = EngagementEvent.objects.filter(engagement=th).count()
    response = client.post(
        reverse("partnerships:concern_create", args=[th.uuid]),
        {"found_on": "2026-05-01", "summary": "Passports held by a supplier", "nda_allows": ""},
    )
    assert response.status_code == 302
    assert Concern.objects.count() == 1
    assert EngagementEvent.objects.filter(engagement=th).count() == before


# --- documents ------------------------------------------------------------------------------


def test_documents_download_only_within_scope(
    cast, client_for, shared, kh_manager, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    _company, th, _kh = shared
    client = client_for(cast.programme_manager)
    upload = SimpleUploadedFile("MoU signed.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    response = client.post(
        reverse("partnerships:engagement_add", args=[th.uuid, "document"]),
        {"kind": "agreement", "title": "MoU", "period": "", "file": upload},
    )
    assert response.status_code == 302
    document = Document.objects.get()
    assert "MoU signed" not in document.file.name  # stored under a random name
    download = client.get(reverse("partnerships:document_download", args=[document.uuid]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 test"
    assert 'filename="MoU signed.pdf"' in download["Content-Disposition"]
    for user in (kh_manager, cast.donor, cast.case_worker):
        url = reverse("partnerships:document_download", args=[document.uuid])
        assert client_for(user).get(url).status_code == 404


# --- openings: survivors only for those who may see them -------------------------------------


def test_opening_matches_show_survivors_only_to_those_allowed(cast, client_for, make_survivor):
    from ctip.cases.services import interest_state

    engagement = make_engagement(cast, stream="employment")
    opening = services.opening_add(
        origin=SYSTEM, engagement=engagement, role="Packer", location="Samut Sakhon",
        opened_on=D(2026, 3, 1),
    )  # fmt: skip
    wants_job = make_survivor()
    interest_state(
        origin=SYSTEM, survivor=wants_job, interest="job_placement", stated_on=D(2026, 2, 1)
    )
    wants_business = make_survivor(given_name="Other")
    interest_state(
        origin=SYSTEM, survivor=wants_business, interest="business_support",
        stated_on=D(2026, 2, 1),
    )  # fmt: skip
    url = reverse("partnerships:opening_detail", args=[engagement.uuid, opening.uuid])

    manager = client_for(cast.programme_manager).get(url).content.decode()
    assert wants_job.code in manager
    assert wants_business.code not in manager
    assert "Somsri" not in manager  # codes only, never names

    pse = client_for(cast.pse_officer).get(url)
    assert pse.status_code == 200
    assert wants_job.code not in pse.content.decode()

    job = make_job_placement(wants_job, cast.gov_provider, D(2026, 4, 1), True, None)
    linked = client_for(cast.programme_manager).post(url, {"job_placement": job.pk})
    assert linked.status_code == 302
    assert opening.placements.get().job_placement == job
    assert client_for(cast.pse_officer).post(url, {"job_placement": job.pk}).status_code == 404
    detail = (
        client_for(cast.pse_officer)
        .get(reverse("partnerships:engagement_detail", args=[engagement.uuid]))
        .content.decode()
    )
    assert wants_job.code not in detail
    assert "Survivors placed: &lt;5" in detail


# --- every page renders for the roles that reach it ------------------------------------------


def test_every_page_renders(cast, client_for, shared, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    company, th, kh = shared
    walk(th, [(Stage.AGREEMENT_SIGNED, D(2026, 4, 1))])
    services.check_in_record(origin=SYSTEM, engagement=th, on=D(2026, 4, 2), mode="call")
    stream = services.workstream_add(origin=SYSTEM, engagement=th, title="Connectivity")
    activity = services.activity_add(
        origin=SYSTEM, workstream=stream, title="Pilot", planned_on=D(2026, 5, 1)
    )
    client = client_for(cast.pse_officer)
    pages = [
        ("dashboard", []),
        ("board", []),
        ("company_list", []),
        ("company_create", []),
        ("company_detail", [company.uuid]),
        ("company_edit", [company.uuid]),
        ("contact_create", [company.uuid]),
        ("engagement_detail", [th.uuid]),
        ("engagement_edit", [th.uuid]),
        ("draft_create", [th.uuid]),
        ("activity_edit", [activity.uuid]),
        ("funding", []),
        ("stakeholders", []),
    ]
    for name, args in pages:
        assert _get(client, name, *args).status_code == 200, name
    for kind in ("alignment", "due-diligence", "agreement", "commitment", "document",
                 "workstream", "activity", "opening", "action", "check-in", "health-check",
                 "stakeholder"):  # fmt: skip
        url = reverse("partnerships:engagement_add", args=[th.uuid, kind])
        assert client.get(url).status_code == 200, kind
    assert (
        client.get(reverse("partnerships:engagement_add", args=[th.uuid, "nope"])).status_code
        == 404
    )
    filtered = _get(client, "company_list", sector="seafood", country="TH", engaged="yes")
    assert "Mekong Garments" in filtered.content.decode()
