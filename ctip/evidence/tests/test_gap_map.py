"""The evidence gap map: counts per cell and per appraisal class, on a hand-built library."""

import pytest
from django.urls import reverse

from ctip.conftest import SYSTEM
from ctip.core.services import organisation_create
from ctip.evidence.models import Intervention, Outcome, Sector, Study
from ctip.evidence.selectors import gap_counts, studies_visible_to


@pytest.fixture
def library(cast, make_study, appraise):
    """Five studies of the implementer and one of another implementer (out of scope).

    A: prevention → knowledge, migration; every criterion yes           → met
    B: prevention, safe_migration → knowledge; one "no"                 → not met
    C: prevention → knowledge; not appraised                           → none
    D: identification → identification; 2 reviewers, one "can't tell"  → not met
    E: identification → identification; every criterion yes            → met
    """
    a = make_study(
        title="A",
        countries=["TH"],
        sectors=["fishing"],
        interventions=["prevention"],
        outcomes=["knowledge", "migration"],
        design="qualitative",
    )
    appraise(a)
    b = make_study(
        cast.thailand,
        title="B",
        countries=["TH", "KH"],
        sectors=["fishing", "construction"],
        interventions=["prevention", "safe_migration"],
        outcomes=["knowledge"],
        design="quant_descriptive",
    )
    appraise(b, design="quant_descriptive", not_yes={"4.4": "no"})
    make_study(
        cast.cambodia,
        title="C",
        countries=["KH"],
        sectors=["construction"],
        interventions=["prevention"],
        outcomes=["knowledge"],
        design="qualitative",
    )
    d = make_study(
        title="D",
        countries=["KH"],
        sectors=["sex_industry"],
        interventions=["identification"],
        outcomes=["identification"],
        design="qualitative",
    )
    appraise(d)
    appraise(d, tool="casp", not_yes={"CASP7": "cant_tell"})
    e = make_study(
        title="E",
        countries=["TH"],
        sectors=["fishing"],
        interventions=["identification"],
        outcomes=["identification"],
        design="quant_randomised",
    )
    appraise(e, design="quant_randomised")
    other = organisation_create(origin=SYSTEM, code="other", name="Other", kind="implementer")
    make_study(
        other,
        title="Elsewhere",
        countries=["TH"],
        sectors=["fishing"],
        interventions=["prevention"],
        outcomes=["knowledge"],
    )
    return {"a": a, "b": b, "d": d, "e": e}


def nonzero(cells):
    return {key: cell.counts for key, cell in cells.items() if cell.total}


def test_intervention_outcome_counts_match_the_hand_example(cast, library):
    cells = gap_counts(
        studies_visible_to(cast.me_officer),
        row_field="interventions",
        rows=Intervention.values,
        column_field="outcomes",
        columns=Outcome.values,
    )
    assert len(cells) == 9 * 8
    assert nonzero(cells) == {
        ("prevention", "knowledge"): {"met": 1, "not_met": 1, "none": 1},
        ("prevention", "migration"): {"met": 1, "not_met": 0, "none": 0},
        ("safe_migration", "knowledge"): {"met": 0, "not_met": 1, "none": 0},
        ("identification", "identification"): {"met": 1, "not_met": 1, "none": 0},
    }
    assert cells[("prevention", "knowledge")].total == 3


def test_country_sector_counts_match_the_hand_example(cast, library):
    cells = gap_counts(
        studies_visible_to(cast.donor),
        row_field="countries",
        rows=["KH", "TH"],
        column_field="sectors",
        columns=Sector.values,
    )
    assert nonzero(cells) == {
        ("TH", "fishing"): {"met": 2, "not_met": 1, "none": 0},  # A, E; B
        ("KH", "fishing"): {"met": 0, "not_met": 1, "none": 0},  # B
        ("TH", "construction"): {"met": 0, "not_met": 1, "none": 0},  # B
        ("KH", "construction"): {"met": 0, "not_met": 1, "none": 1},  # B; C
        ("KH", "sex_industry"): {"met": 0, "not_met": 1, "none": 0},  # D
    }


def test_the_gap_map_page_shows_counts_links_and_filters(cast, client_for, library):
    client = client_for(cast.donor)
    response = client.get(reverse("evidence:gap_map"))
    assert response.status_code == 200
    rows = {row["code"]: row for row in response.context["rows"]}
    cell = rows["prevention"]["cells"][0]  # knowledge
    assert cell["total"] == 3
    assert cell["url"] == "/evidence/?intervention=prevention&outcome=knowledge"
    assert [(p["quality"], p["count"]) for p in cell["parts"]] == [
        ("met", 1),
        ("not_met", 1),
        ("none", 1),
    ]
    totals = {code: row["total"] for code, row in rows.items() if row["total"]}
    assert totals == {"prevention": 3, "identification": 2, "safe_migration": 1}
    assert rows["prevention"]["url"] == "/evidence/?intervention=prevention"
    columns = {c["code"]: c["total"] for c in response.context["columns"] if c["total"]}
    assert columns == {"knowledge": 3, "identification": 2, "migration": 1}
    assert response.context["study_count"] == 5
    assert response.context["empty_cells"] == 72 - 4
    content = response.content.decode()
    assert "every criterion of every appraisal" in content  # the rule is on the page

    # The cell's link lists exactly its three studies.
    listed = client.get(cell["url"]).context["page"].object_list
    assert sorted(s.title for s in listed) == ["A", "B", "C"]
    listed = client.get(cell["parts"][1]["url"]).context["page"].object_list
    assert [s.title for s in listed] == ["B"]

    # Filters: the design narrows the studies; the country view has one row per country.
    response = client.get(reverse("evidence:gap_map"), {"design": "qualitative"})
    rows = {row["code"]: row for row in response.context["rows"]}
    assert rows["prevention"]["cells"][0]["total"] == 2  # A and C
    assert rows["prevention"]["cells"][0]["url"] == (
        "/evidence/?design=qualitative&intervention=prevention&outcome=knowledge"
    )
    response = client.get(reverse("evidence:gap_map"), {"view": "countries", "country": "KH"})
    assert [row["code"] for row in response.context["rows"]] == ["KH"]
    construction = response.context["rows"][0]["cells"][Sector.values.index("construction")]
    assert construction["total"] == 2
    assert construction["url"] == "/evidence/?country=KH&sector=construction"


def test_counts_use_one_query(cast, library, django_assert_num_queries):
    queryset = Study.objects.all()
    with django_assert_num_queries(1):
        gap_counts(
            queryset,
            row_field="interventions",
            rows=Intervention.values,
            column_field="outcomes",
            columns=Outcome.values,
        )
