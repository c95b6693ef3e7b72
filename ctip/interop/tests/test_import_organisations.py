from ctip.core.models import AuditEntry, ImportBatch, Organisation
from ctip.interop.tests.conftest import ORGANISATION_COLUMNS, run_import

# The site comes before its partner: parents may be defined later in the file.
ROWS = [
    ["np", "Nepal project", "country_project", "winrock", "", "np"],
    ["np-ngo-a-site", "Sindhupalchok office", "site", "np-ngo-a", "", ""],
    ["np-ngo-a", "Shakti Samuha", "partner", "np", "ngo", ""],
    ["np-wcsc", "Women and Children Service Centre", "provider", "np", "government", "NP"],
]


def test_organisations_are_created_parents_first(cast, files):
    run = run_import("organisations", files.csv("orgs.csv", ORGANISATION_COLUMNS, ROWS))

    assert run.status == 0
    assert run.out[-1] == "created=4 updated=0 unchanged=0"
    nepal = Organisation.objects.get(code="np")
    ngo = Organisation.objects.get(code="np-ngo-a")
    site = Organisation.objects.get(code="np-ngo-a-site")
    provider = Organisation.objects.get(code="np-wcsc")
    assert (nepal.parent, nepal.country) == (cast.implementer, "NP")
    assert (ngo.parent, ngo.provider_type) == (nepal, "ngo")
    assert site.parent == ngo
    assert site.path == f"{cast.implementer.path}{nepal.pk}/{ngo.pk}/{site.pk}/"
    assert (provider.kind, provider.provider_type, provider.country) == (
        "provider",
        "government",
        "NP",
    )
    batch = ImportBatch.objects.get()
    assert {o.import_batch for o in (nepal, ngo, site, provider)} == {batch}
    entry = AuditEntry.objects.order_by("-id").first()
    assert (entry.action, entry.detail["created"]) == ("import", 4)


def test_reimport_is_unchanged_and_a_rename_updates(cast, files):
    run_import("organisations", files.csv("a.csv", ORGANISATION_COLUMNS, ROWS))
    again = run_import("organisations", files.csv("b.csv", ORGANISATION_COLUMNS, ROWS))
    assert again.out[-1] == "created=0 updated=0 unchanged=4"

    renamed = [list(row) for row in ROWS]
    renamed[2][1] = "Shakti Samuha Nepal"
    run = run_import("organisations", files.csv("c.csv", ORGANISATION_COLUMNS, renamed))
    assert run.out[-1] == "created=0 updated=1 unchanged=3"
    ngo = Organisation.objects.get(code="np-ngo-a")
    assert ngo.name == "Shakti Samuha Nepal"
    assert ngo.import_batch == ImportBatch.objects.order_by("-id").first()
    assert Organisation.objects.filter(code__startswith="np").count() == 4


def test_existing_organisations_are_updated_by_code(cast, files):
    rows = [["th-ngo-a", "Friends Foundation Thailand", "partner", "th", "ngo", ""]]
    run = run_import("organisations", files.csv("o.csv", ORGANISATION_COLUMNS, rows))
    assert run.out[-1] == "created=0 updated=1 unchanged=0"
    cast.ngo_a.refresh_from_db()
    assert (cast.ngo_a.name, cast.ngo_a.provider_type) == ("Friends Foundation Thailand", "ngo")


def test_moving_an_organisation_moves_its_subtree(cast, files):
    rows = [["th-ngo-a", "Friends Foundation", "partner", "kh", "", ""]]
    run = run_import("organisations", files.csv("o.csv", ORGANISATION_COLUMNS, rows))
    assert run.out[-1] == "created=0 updated=1 unchanged=0"
    cast.site_a.refresh_from_db()
    assert cast.site_a.path == f"{cast.cambodia.path}{cast.ngo_a.pk}/{cast.site_a.pk}/"


def test_placement_and_value_problems_are_listed(cast, files):
    rows = [
        ["th-site-x", "A site", "site", "th", "", ""],
        ["th-prov", "A provider", "provider", "th", "", ""],
        ["th-x", "Bad country", "partner", "th", "", "ZZ"],
        ["th-y", "Unknown parent", "partner", "nowhere", "", ""],
        ["top", "Second implementer", "implementer", "", "", ""],
        ["th-z", "No parent", "partner", "", "", ""],
        ["th-ngo-b", "Hope Shelter", "partner", "th", "", ""],
        ["th-ngo-b", "Hope Shelter again", "partner", "th", "", ""],
        ["has space", "", "club", "th", "bank", ""],
    ]
    before = Organisation.objects.count()

    run = run_import("organisations", files.csv("o.csv", ORGANISATION_COLUMNS, rows))

    assert run.status == 1
    assert run.err[:-1] == [
        "row 2, column parent: a site cannot sit under th (a country_project)",
        "row 3, column provider_type: is required for a provider",
        "row 4, column country: ZZ is not an ISO 3166 alpha-2 country code",
        "row 5, column parent: no organisation with code nowhere (not in the database, not in "
        "this file)",
        "row 7, column parent: a partner needs a parent",
        "row 9, column code: th-ngo-b appears twice in the file (first on row 8)",
        "row 10, column code: has space is not a code (letters, digits, '-', '_' or '.', no "
        "spaces)",
        "row 10, column name: is required",
        "row 10, column kind: club is not one of: implementer, country_project, partner, site, "
        "provider",
        "row 10, column provider_type: bank is not one of: government, ngo, international, "
        "private, project",
    ]
    assert Organisation.objects.count() == before
    assert ImportBatch.objects.count() == 0


def test_a_bad_parent_row_is_reported_once(cast, files):
    rows = [
        ["np-ngo", "An NGO", "partner", "np", "", ""],
        ["np", "Nepal project", "country_project", "winrock", "", "Nepal"],
    ]
    run = run_import("organisations", files.csv("o.csv", ORGANISATION_COLUMNS, rows))
    assert run.err[:-1] == [
        "row 3, column country: Nepal is not an ISO 3166 alpha-2 country code",
    ]


def test_a_kind_change_must_keep_children_valid(cast, files):
    rows = [["th-ngo-a", "Friends Foundation", "site", "th-ngo-b", "", ""]]
    run = run_import("organisations", files.csv("o.csv", ORGANISATION_COLUMNS, rows))
    assert run.err[0] == (
        "row 2, column kind: cannot become a site: th-ngo-a-cm (a site) sits under it"
    )


def test_org_option_keeps_rows_inside_the_subtree(cast, files):
    rows = [
        ["kh-ngo-2", "Battambang Rescue", "partner", "kh", "ngo", ""],
        ["th-ngo-c", "Another Thai NGO", "partner", "th", "ngo", ""],
        ["th-ngo-a", "Friends Foundation", "partner", "kh", "", ""],
        ["kh-ngo-2-site", "Battambang office", "site", "kh-ngo-2", "", ""],
    ]
    run = run_import("organisations", files.csv("o.csv", ORGANISATION_COLUMNS, rows), "--org", "kh")

    assert run.status == 1
    assert run.err[:-1] == [
        "row 3, column parent: the parent must be kh or an organisation within it",
        "row 4, column code: th-ngo-a is an organisation outside kh",
    ]

    ok_rows = [rows[0], rows[3]]
    ok = run_import(
        "organisations", files.csv("k.csv", ORGANISATION_COLUMNS, ok_rows), "--org", "kh"
    )
    assert ok.out[-1] == "created=2 updated=0 unchanged=0"
