"""The indicators page and its downloads: permission matrix, suppression for donors, review
links only for who may open them, audited exports."""

import pytest

from ctip.core.models import AuditEntry

PAGE = "/indicators/"
EXPORT = "/indicators/export/"


@pytest.fixture
def data(cast, make_survivor, records):
    """2026-Q1: six survivors at ngo_a (one with 16 episodes: on SRV-3's review list), three at
    ngo_b, one in Cambodia."""
    busy = make_survivor(sex="male")
    for index in range(16):
        records.episode(busy, "psychosocial", f"2026-01-{index + 1:02d}")
    for _ in range(5):
        records.episode(make_survivor(), "shelter", "2026-02-01")
    for _ in range(3):
        records.episode(make_survivor(org=cast.ngo_b), "shelter", "2026-02-01")
    records.episode(make_survivor(org=cast.ngo_kh, nationality="KH"), "shelter", "2026-02-01")
    return {"busy": busy}


def get(client, **params):
    return client.get(PAGE, params)


def test_anonymous_is_sent_to_login(client):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_me_officer_sees_values_definitions_and_review_links(cast, data, client_for):
    response = get(client_for(cast.me_officer), period="2026-Q1")
    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["scope"] == cast.thailand  # their own organisation by default
    srv1 = _item(response, "SRV-1")
    assert srv1.value == "9"
    assert '<details class="definition">' in html
    assert "Distinct survivors in scope" in html
    assert "<svg" in html  # bar charts and the trend line
    assert f'href="/survivors/{data["busy"].code}/"' in html
    assert "&lt;5" not in html
    # Grouped by indicator group, services first.
    labels = [label for label, _items in response.context["groups"]]
    assert labels[0] == "Services and referrals"


def test_donor_sees_the_suppressed_version_without_review(cast, data, client_for):
    response = get(client_for(cast.donor), period="2026-Q1", org="th")
    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["public"] is True
    assert data["busy"].code not in html
    sex = _breakdown(response, "SRV-1", "sex")
    assert sex["Male"] == "<5"  # the busy survivor
    assert sex["Female"] == "*"  # hidden with it, so the male count cannot be worked out
    assert _item(response, "SRV-1").value == "9"
    # A donor cannot turn suppression off.
    response = get(client_for(cast.donor), period="2026-Q1", org="th", public="")
    assert response.context["public"] is True


def test_programme_role_may_preview_the_public_version(cast, data, client_for):
    response = get(client_for(cast.me_officer), period="2026-Q1", public="on")
    assert response.context["public"] is True
    assert data["busy"].code not in response.content.decode()


def test_case_worker_of_another_ngo_cannot_choose_outside_scope(cast, data, client_for):
    client = client_for(cast.other_case_worker)
    assert get(client, period="2026-Q1", org="th-ngo-a").status_code == 404
    assert get(client, period="2026-Q1", org="th").status_code == 404
    assert get(client, period="2026-Q1", org="nowhere").status_code == 404
    response = get(client, period="2026-Q1")
    assert response.status_code == 200
    assert response.context["scope"] == cast.ngo_b
    assert _item(response, "SRV-1").value == "3"
    choices = [code for code, _label in response.context["form"].fields["org"].choices]
    assert choices == ["th-ngo-b"]
    assert data["busy"].code not in response.content.decode()


def test_review_codes_link_only_when_the_user_may_open_them(cast, data, client_for, records):
    # The busy survivor (ngo_a) also had episodes recorded by ngo_b: on ngo_b's review list,
    # but ngo_b's case worker may not open ngo_a's survivor, so the code is not a link.
    for index in range(16):
        records.episode(data["busy"], "medical", f"2026-02-{index + 1:02d}", org=cast.ngo_b)
    response = get(client_for(cast.other_case_worker), period="2026-Q1")
    html = response.content.decode()
    assert data["busy"].code in html
    assert f'href="/survivors/{data["busy"].code}/"' not in html


def test_bad_period_falls_back_with_an_error(cast, data, client_for):
    response = get(client_for(cast.me_officer), period="2026-Q7")
    assert response.status_code == 200
    assert response.context["form"].errors["period"]


def test_htmx_request_gets_the_partial(cast, data, client_for):
    response = client_for(cast.me_officer).get(
        PAGE, {"period": "2026-Q1"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert b"<html" not in response.content
    assert b"SRV-1" in response.content


@pytest.mark.parametrize("fmt, content_type", [
    ("csv", "text/csv; charset=utf-8"),
    ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
])  # fmt: skip
def test_downloads_are_audited(cast, data, client_for, fmt, content_type):
    client = client_for(cast.me_officer)
    before = AuditEntry.objects.count()
    response = client.post(EXPORT, {"format": fmt, "period": "2026-Q1", "org": "th"})
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert f"indicators-th-2026-Q1.{fmt}" in response["Content-Disposition"]
    entry = AuditEntry.objects.order_by("-id").first()
    assert AuditEntry.objects.count() == before + 1
    assert (entry.action, entry.actor, entry.organisation_code) == ("export", cast.me_officer, "th")
    assert entry.detail["format"] == fmt and entry.detail["public"] is False


def test_donor_download_is_suppressed(cast, data, client_for):
    response = client_for(cast.donor).post(EXPORT, {"format": "csv", "period": "2026-Q1"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "SRV-1,sex,male,<5,," in body
    assert data["busy"].code not in body
    assert AuditEntry.objects.order_by("-id").first().detail["public"] is True


def test_download_outside_scope_is_404_and_not_audited(cast, data, client_for):
    client = client_for(cast.other_case_worker)
    before = AuditEntry.objects.count()
    assert client.post(EXPORT, {"format": "csv", "org": "th-ngo-a"}).status_code == 404
    assert client.post(EXPORT, {"format": "pdf"}).status_code == 404
    assert client.get(EXPORT).status_code == 405
    assert AuditEntry.objects.count() == before


def _item(response, code):
    for _label, items in response.context["groups"]:
        for item in items:
            if item.code == code:
                return item
    raise AssertionError(code)


def _breakdown(response, code, name):
    item = _item(response, code)
    breakdown = next(b for b in item.breakdowns if b.name == name)
    return {row.label: row.value for row in breakdown.rows}
