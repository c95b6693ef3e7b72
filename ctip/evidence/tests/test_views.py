"""Pages of the evidence library: who reads, who writes, the list's search and filters."""

import pytest
from django.urls import reverse

from ctip.conftest import SYSTEM
from ctip.core.models import AuditEntry
from ctip.core.services import organisation_create
from ctip.evidence.models import Appraisal, AppraisalAnswer, Study


@pytest.fixture
def studies(cast, make_study, appraise):
    """Four studies of the implementer's library and one of another implementer."""
    fishing = make_study(
        title="Forced labour on Thai fishing boats",
        authors="Nguyen, T.; Smith, J.",
        year=2019,
        countries=["TH", "MM"],
        sectors=["fishing"],
        exploitation=["labour"],
        interventions=["identification"],
        outcomes=["identification"],
        design="qualitative",
    )
    appraise(fishing)
    shelters = make_study(
        cast.thailand,
        title="Shelters and well-being",
        authors="Srisuk, A.",
        year=2023,
        countries=["TH"],
        sectors=["sex_industry"],
        exploitation=["sexual"],
        interventions=["shelter", "psychosocial"],
        outcomes=["wellbeing"],
        design="qualitative",
    )
    appraise(shelters, not_yes={"1.2": "no"})
    kilns = make_study(
        cast.cambodia,
        title="Brick kilns and debt",
        authors="Yadav, R.",
        year=2016,
        countries=["KH"],
        sectors=["construction"],
        exploitation=["labour"],
        interventions=["policy"],
        outcomes=["labour_conditions"],
        design="quant_descriptive",
    )
    review = make_study(title="A review of reviews", year=None, design="not_empirical")
    other = organisation_create(origin=SYSTEM, code="other", name="Other", kind="implementer")
    hidden = make_study(other, title="Fishing elsewhere", countries=["TH"], sectors=["fishing"])
    return {
        "fishing": fishing,
        "shelters": shelters,
        "kilns": kilns,
        "review": review,
        "hidden": hidden,
    }


def titles(response):
    return [study.title for study in response.context["page"].object_list]


@pytest.mark.parametrize(
    "name, args",
    [
        ("evidence:study_list", []),
        ("evidence:gap_map", []),
        ("evidence:study_create", []),
        ("evidence:study_detail", ["fishing"]),
        ("evidence:study_edit", ["fishing"]),
        ("evidence:appraisal_create", ["fishing"]),
    ],
)
def test_anonymous_is_sent_to_login(client, studies, name, args):
    url = reverse(name, args=[studies[a].uuid for a in args])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/")


@pytest.mark.parametrize(
    "role", ["case_worker", "supervisor", "me_officer", "programme_manager", "pse_officer", "donor"]
)
def test_every_staff_role_reads_the_whole_library_of_its_implementer(
    cast, client_for, studies, role
):
    client = client_for(getattr(cast, role))
    response = client.get(reverse("evidence:study_list"))
    assert response.status_code == 200
    assert titles(response) == [
        "Shelters and well-being",
        "Forced labour on Thai fishing boats",
        "Brick kilns and debt",
        "A review of reviews",
    ]
    assert (
        client.get(reverse("evidence:study_detail", args=[studies["kilns"].uuid])).status_code
        == 200
    )
    # Another implementer's study does not exist for them.
    assert (
        client.get(reverse("evidence:study_detail", args=[studies["hidden"].uuid])).status_code
        == 404
    )


@pytest.mark.parametrize("role", ["case_worker", "supervisor", "pse_officer", "donor", "sysadmin"])
def test_other_roles_cannot_write(cast, client_for, studies, role):
    client = client_for(getattr(cast, role))
    assert client.get(reverse("evidence:study_create")).status_code == 404
    response = client.post(
        reverse("evidence:study_create"), {"title": "X", "publication_type": "report"}
    )
    assert response.status_code == 404
    study = studies["shelters"]
    assert client.get(reverse("evidence:study_edit", args=[study.uuid])).status_code == 404
    assert (
        client.post(
            reverse("evidence:appraisal_create", args=[study.uuid]), {"tool": "casp"}
        ).status_code
        == 404
    )
    assert Study.objects.count() == 5 and Appraisal.objects.count() == 2


def test_me_officer_adds_a_study_to_the_country_project_library(cast, client_for):
    client = client_for(cast.me_officer)
    form = client.get(reverse("evidence:study_create")).context["form"]
    assert list(form.fields["organisation"].queryset) == [cast.thailand]
    response = client.post(
        reverse("evidence:study_create"),
        {
            "organisation": cast.thailand.pk,
            "title": "  Recruitment fees in seafood  ",
            "authors": "Nguyen, H.",
            "year": "2022",
            "publication_type": "working_paper",
            "doi": "https://doi.org/10.1234/X.9",
            "countries": "th, mm",
            "sectors": ["fishing", "manufacturing"],
            "interventions": ["supply_chain"],
            "outcomes": ["labour_conditions"],
            "design": "quant_descriptive",
            "sample_size": "1130",
        },
    )
    study = Study.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("evidence:study_detail", args=[study.uuid])
    assert (study.title, study.organisation, study.created_by) == (
        "Recruitment fees in seafood",
        cast.thailand,
        cast.me_officer,
    )
    assert (study.countries, study.sectors, study.doi) == (
        ";MM;TH;",
        ";fishing;manufacturing;",
        "10.1234/x.9",
    )
    assert AuditEntry.objects.filter(action="create", object_ref=str(study.uuid)).count() == 1


def test_bad_input_is_shown_on_the_form(cast, client_for):
    client = client_for(cast.programme_manager)
    response = client.post(
        reverse("evidence:study_create"),
        {"title": "", "publication_type": "report", "countries": "TH, XX", "doi": "abc"},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["title"] == ["This field is required."]
    assert errors["countries"] == ["Not ISO 3166 alpha-2 country codes: XX."]
    assert Study.objects.count() == 0


def test_edit_rights_follow_the_owner(cast, client_for, studies):
    client = client_for(cast.me_officer)  # Thailand project
    assert (
        client.get(reverse("evidence:study_edit", args=[studies["shelters"].uuid])).status_code
        == 200
    )
    assert (
        client.get(reverse("evidence:study_edit", args=[studies["fishing"].uuid])).status_code
        == 404
    )
    assert (
        client.get(reverse("evidence:study_edit", args=[studies["kilns"].uuid])).status_code == 404
    )
    response = client.post(
        reverse("evidence:study_edit", args=[studies["shelters"].uuid]),
        {
            "organisation": cast.thailand.pk,
            "title": "Shelters and well-being (revised)",
            "publication_type": "report",
            "countries": "TH",
            "design": "qualitative",
        },
    )
    assert response.status_code == 302
    studies["shelters"].refresh_from_db()
    assert studies["shelters"].title == "Shelters and well-being (revised)"
    assert studies["shelters"].sectors == ""


def test_recording_an_appraisal_criterion_by_criterion(cast, client_for, studies):
    study = studies["kilns"]  # owned by Cambodia: any writer who reads it may appraise it
    client = client_for(cast.programme_manager)
    url = reverse("evidence:appraisal_create", args=[study.uuid])
    setup = client.get(url)
    assert setup.templates[0].name == "evidence/appraisal_setup.html"
    page = client.get(url, {"tool": "mmat", "design": "quant_descriptive"})
    assert [c.code for c in page.context["form"].criteria] == [
        "S1",
        "S2",
        "4.1",
        "4.2",
        "4.3",
        "4.4",
        "4.5",
    ]
    data = {"tool": "mmat", "design": "quant_descriptive", "appraised_on": "2026-02-01"}
    for code in ["S1", "S2", "4.1", "4.2", "4.3", "4.4", "4.5"]:
        data[f"answer_{code}"] = "yes"
        data[f"reason_{code}"] = f"Because {code}."
    data["answer_4.4"] = "cant_tell"
    data["reason_4.5"] = ""
    response = client.post(url, data)
    assert response.status_code == 200
    assert response.context["form"].errors["reason_4.5"] == ["Write the reason for this answer."]
    assert Appraisal.objects.filter(study=study).count() == 0

    data["reason_4.5"] = "Weighted estimates."
    response = client.post(url, data)
    assert response.status_code == 302
    appraisal = Appraisal.objects.get(study=study)
    assert appraisal.appraiser == cast.programme_manager
    assert dict(appraisal.answers.values_list("criterion", "answer")) == {
        "S1": "yes",
        "S2": "yes",
        "4.1": "yes",
        "4.2": "yes",
        "4.3": "yes",
        "4.4": "cant_tell",
        "4.5": "yes",
    }
    detail = client.get(reverse("evidence:study_detail", args=[study.uuid]))
    content = detail.content.decode()
    assert "6 of 7 criteria answered yes" in content
    assert "Weighted estimates." in content
    assert detail.context["quality"] == "not_met"


def test_mixed_methods_needs_its_quantitative_component(cast, client_for, studies):
    client = client_for(cast.me_officer)
    url = reverse("evidence:appraisal_create", args=[studies["fishing"].uuid])
    response = client.get(url, {"tool": "mmat", "design": "mixed"})
    assert response.templates[0].name == "evidence/appraisal_setup.html"
    assert response.context["setup"].errors["component"]
    response = client.get(url, {"tool": "mmat", "design": "mixed", "component": "quant_randomised"})
    assert len(response.context["form"].criteria) == 17
    response = client.get(url, {"tool": "casp"})
    assert len(response.context["form"].criteria) == 10
    assert AppraisalAnswer.objects.count() == 7 + 7


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"q": "fishing"}, ["Forced labour on Thai fishing boats"]),
        ({"q": "yadav"}, ["Brick kilns and debt"]),
        ({"country": "TH"}, ["Shelters and well-being", "Forced labour on Thai fishing boats"]),
        ({"country": "MM"}, ["Forced labour on Thai fishing boats"]),
        ({"sector": "construction"}, ["Brick kilns and debt"]),
        (
            {"exploitation": "labour"},
            ["Forced labour on Thai fishing boats", "Brick kilns and debt"],
        ),
        ({"intervention": "psychosocial"}, ["Shelters and well-being"]),
        ({"outcome": "identification"}, ["Forced labour on Thai fishing boats"]),
        (
            {"design": "qualitative"},
            ["Shelters and well-being", "Forced labour on Thai fishing boats"],
        ),
        ({"year_from": "2017"}, ["Shelters and well-being", "Forced labour on Thai fishing boats"]),
        (
            {"year_from": "2016", "year_to": "2019"},
            ["Forced labour on Thai fishing boats", "Brick kilns and debt"],
        ),
        ({"quality": "met"}, ["Forced labour on Thai fishing boats"]),
        ({"quality": "not_met"}, ["Shelters and well-being"]),
        ({"quality": "none"}, ["Brick kilns and debt", "A review of reviews"]),
        (
            {"country": "TH", "design": "qualitative", "quality": "met"},
            ["Forced labour on Thai fishing boats"],
        ),
    ],
)
def test_list_filters(cast, client_for, studies, query, expected):
    response = client_for(cast.donor).get(reverse("evidence:study_list"), query)
    assert response.status_code == 200
    assert titles(response) == expected


def test_list_paginates(cast, client_for, make_study):
    for number in range(30):
        make_study(title=f"Study {number:02d}", year=2000)
    client = client_for(cast.donor)
    first = client.get(reverse("evidence:study_list"))
    assert first.context["page"].paginator.count == 30
    assert len(titles(first)) == 25
    second = client.get(reverse("evidence:study_list"), {"page": 2})
    assert titles(second) == [f"Study {n:02d}" for n in range(25, 30)]
