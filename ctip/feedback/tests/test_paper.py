"""Paper: sheets printed with their own codes (hashes stored at print time), entered by a clerk
by the sheet's code, then readable online with that code; entries are marked as paper."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from ctip.core.models import AuditEntry
from ctip.feedback import receipts
from ctip.feedback.models import Feedback, PaperBatch, PaperSheet
from ctip.feedback.tests.conftest import anonymous, status, stored_bytes

SLIP = re.compile(r'class="slip-code"[^>]*>([\d ]{19})<')


def print_sheets(client, slug="friends", count=3, language="th") -> list[str]:
    response = client.post(
        f"/feedback/channels/{slug}/sheets/", {"count": count, "language": language}
    )
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    return SLIP.findall(response.content.decode())


@pytest.mark.django_db(transaction=True)
def test_printing_stores_only_hashes(channel, cast, client_for):
    codes = print_sheets(client_for(cast.programme_manager), count=4)
    assert len(codes) == 4 and len(set(codes)) == 4
    batch = PaperBatch.objects.get()
    assert (batch.count, batch.language, batch.channel) == (4, "th", channel)
    assert batch.printed_on == timezone.localdate()
    stored = set(PaperSheet.objects.values_list("receipt_hash", flat=True))
    assert stored == {receipts.code_hash(c.replace(" ", "")) for c in codes}
    raw = stored_bytes()
    for code in codes:
        assert code.replace(" ", "").encode() not in raw
    assert AuditEntry.objects.filter(object_type="feedback_paper_batch").count() == 1


@pytest.mark.django_db
def test_sheet_page_is_in_the_chosen_language_with_a_slip(channel, cast, client_for):
    response = client_for(cast.me_officer).post(
        "/feedback/channels/friends/sheets/", {"count": 1, "language": "my"}
    )
    html = response.content.decode()
    assert '<html lang="my">' in html
    assert "အကြံပြုစာရွက်" in html  # sheet title in Burmese
    assert "ဤအပိုင်းကို သိမ်းထားပါ" in html  # "keep this slip"
    assert "http://testserver/f/friends/status" in html
    assert html.count('class="face-svg"') == 5


@pytest.mark.django_db
def test_a_paper_sheet_entered_by_code_is_then_readable_online(channel, cast, client_for):
    codes = print_sheets(client_for(cast.programme_manager), count=2)
    code = codes[0]
    sender = anonymous()
    # Before entry: the same "not found" page as any unknown code (it says paper takes time).
    before = status(sender, "/f/friends/status", code).content.decode()
    assert "it may not have been typed in yet" in before

    clerk = client_for(cast.supervisor)  # a case supervisor of the NGO enters sheets
    step1 = clerk.post("/feedback/paper/", {"code": code})
    assert "Save the sheet" in step1.content.decode()
    response = clerk.post(
        "/feedback/paper/",
        {
            "code": code,
            "do": "enter",
            "received_on": "2026-02-03",
            "language": "th",
            "satisfaction": "1",
            "q_safe": "no",
            "themes": ["safety"],
            "body": "กลางคืนไม่ปลอดภัย",
        },
    )
    assert response.status_code == 302
    item = Feedback.objects.get()
    assert item.source == "paper"
    assert item.received_on == dt.date(2026, 2, 3)
    assert item.satisfaction == 1 and item.answers == {"safe": "no"}
    assert item.body == "กลางคืนไม่ปลอดภัย"
    assert PaperSheet.objects.filter(entered=True).count() == 1
    assert item.events.get().event_type == "entered_from_paper"
    assert AuditEntry.objects.filter(object_type="feedback", object_ref=str(item.uuid)).exists()

    page = status(sender, "/f/friends/status", code, lang="th").content.decode()
    assert "กลางคืนไม่ปลอดภัย" in page
    assert "ส่งทางกระดาษ" in page  # "sent on paper"

    # The same sheet cannot be entered twice.
    again = clerk.post("/feedback/paper/", {"code": code})
    assert "This sheet has been entered already." in again.content.decode()
    assert Feedback.objects.count() == 1


@pytest.mark.django_db
def test_clerks_find_only_sheets_of_their_channels(channel, other_channel, cast, client_for):
    codes = print_sheets(client_for(cast.programme_manager), count=1)
    cambodian = _user_kh(cast)
    response = client_for(cambodian).post("/feedback/paper/", {"code": codes[0]})
    assert "No printed sheet of your channels has this code." in response.content.decode()
    typo = codes[0][:-1] + str((int(codes[0][-1]) + 1) % 10)
    response = client_for(cast.supervisor).post("/feedback/paper/", {"code": typo})
    assert "This code has a typing mistake" in response.content.decode()


@pytest.mark.django_db
def test_who_may_print_and_enter(channel, cast, client_for):
    for user in (cast.case_worker, cast.donor, cast.pse_officer, cast.sysadmin):
        client = client_for(user)
        assert (
            client.post(
                "/feedback/channels/friends/sheets/", {"count": 1, "language": "th"}
            ).status_code
            == 404
        )
        assert client.get("/feedback/paper/").status_code == 404
    # A case supervisor triages and enters, but does not set up channels or print.
    supervisor = client_for(cast.supervisor)
    assert supervisor.get("/feedback/paper/").status_code == 200
    assert (
        supervisor.post(
            "/feedback/channels/friends/sheets/", {"count": 1, "language": "th"}
        ).status_code
        == 404
    )
    assert PaperSheet.objects.count() == 0


def _user_kh(cast):
    from ctip.conftest import _user
    from ctip.core.models import Role

    return _user("kosal", Role.PROGRAMME_MANAGER, cast.cambodia)
