"""The demo's feedback: /f/demo in several languages, some answered, some on paper, and the two
published receipts work on the status page. (One test: building the demo takes seconds.)"""

import pytest
from django.utils import timezone

from ctip.core.models import User
from ctip.feedback.models import Feedback, FeedbackAction
from ctip.feedback.selectors import user_is_safeguarding
from ctip.feedback.tests.conftest import anonymous, status
from ctip.interop.demo import build_demo
from ctip.interop.demo_feedback import DEMO_PAPER_RECEIPT, DEMO_RECEIPT


@pytest.mark.django_db
def test_demo_feedback(client_for):
    build_demo(survivors=10, history=False)
    items = Feedback.objects.filter(channel__slug="demo")
    assert items.count() > 150
    assert set(items.values_list("language", flat=True)) >= {"th", "my", "km", "lo", "bn", "en"}
    assert items.filter(status="closed").count() > 50
    assert items.filter(source="paper").count() == 4
    assert items.filter(safeguarding=True).count() == 2
    assert items.filter(spam=True).count() == 1
    assert FeedbackAction.objects.count() == 5
    assert Feedback.objects.filter(channel__slug="np-voice", language="ne").count() == 2
    assert user_is_safeguarding(User.objects.get(username="safeguarding"))

    client = anonymous()
    page = status(client, "/f/demo/status", DEMO_RECEIPT, lang="th").content.decode()
    assert "พัดลมใหม่ดีมาก" in page  # the sender wrote back
    assert "เราซ่อมพัดลมแล้ว" in page  # the team's reply
    page = status(client, "/f/status", DEMO_PAPER_RECEIPT, lang="th").content.decode()
    assert "ห้องน้ำหญิงล็อกไม่ได้" in page
    assert "ส่งทางกระดาษ" in page

    manager = client_for(User.objects.get(username="manager"))
    page = manager.get(f"/feedback/dashboard/?period={timezone.localdate().year}")
    assert page.status_code == 200
    assert manager.get("/feedback/").status_code == 200
