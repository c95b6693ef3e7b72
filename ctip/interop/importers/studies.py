"""`ctip import studies`: the evidence library from a spreadsheet (template `ctip template
studies`).

Studies are found again by (org, ref); a row whose ref exists updates that study, a row whose
values are those stored leaves it unchanged. Appraisals are not imported: they are recorded
criterion by criterion on the study's page.
"""

from django.utils.translation import gettext as _

from ctip.cases.models import Exploitation
from ctip.core.models import Organisation
from ctip.evidence.models import (
    Design,
    Intervention,
    Outcome,
    PublicationType,
    Sector,
    Study,
    codes_to_db,
)
from ctip.evidence.selectors import OWNER_KINDS
from ctip.evidence.services import normalise_doi, study_create, study_update
from ctip.interop.importers import base
from ctip.interop.importers.base import CREATE, UNCHANGED, UPDATE, Importer, Planned, Row
from ctip.interop.importers.companies import countries, website

TEXT_FIELDS = {
    "title": 500,
    "authors": 1000,
    "venue": 300,
    "methods": 4000,
    "sample_description": 4000,
    "abstract": 20000,
    "note": 4000,
}
LIST_FIELDS = {
    "sectors": tuple(Sector.values),
    "exploitation": tuple(Exploitation.values),
    "interventions": tuple(Intervention.values),
    "outcomes": tuple(Outcome.values),
}
FIELDS = (
    "title",
    "authors",
    "year",
    "publication_type",
    "venue",
    "doi",
    "url",
    "countries",
    "sectors",
    "exploitation",
    "interventions",
    "outcomes",
    "design",
    "methods",
    "sample_size",
    "sample_description",
    "abstract",
    "note",
)
LIST_COLUMNS = ("countries", *LIST_FIELDS)


def whole_number(value: str) -> int | None:
    if not value:
        return None
    if not value.isdigit():
        raise base.CellError(_("%(value)s is not a whole number") % {"value": value[:40]})
    return int(value)


def doi(value: str) -> str:
    cleaned = normalise_doi(value)
    if cleaned and not (cleaned.startswith("10.") and "/" in cleaned and len(cleaned) <= 200):
        raise base.CellError(
            _("%(value)s is not a DOI (it starts with 10. and has a slash)") % {"value": value[:80]}
        )
    return cleaned


def authors(value: str, *, required: bool = False) -> str:
    names = [" ".join(name.split()) for name in value.split(";")]
    return base.text("; ".join(name for name in names if name), max_length=1000)


class StudyImporter(Importer):
    kind = "studies"
    field_columns = {"organisation": "org", **{name: name for name in FIELDS}}

    def plan(self, rows: list[Row]) -> list[Planned]:
        owners = {org.code: org for org in Organisation.objects.filter(kind__in=OWNER_KINDS)}
        parsed: dict[tuple[int, str], tuple[Row, dict]] = {}
        for row in rows:
            values = self._parse(row, owners)
            if values is None:
                continue
            key = (values["org"].pk, values["ref"])
            if key in parsed:
                row.error(
                    "ref",
                    _("%(ref)s appears twice in the file (first on row %(first)d)")
                    % {"ref": values["ref"], "first": parsed[key][0].number},
                )
                continue
            parsed[key] = (row, values)
        org_ids = sorted({pk for pk, _ref in parsed})
        existing = {
            (study.organisation_id, study.ref): study
            for study in Study.objects.filter(organisation_id__in=org_ids).exclude(ref="")
        }
        plan = []
        for key, (row, values) in parsed.items():
            study = existing.get(key)
            if study is None:
                plan.append(Planned(row=row.number, action=CREATE, values=values))
                continue
            changes = self._changes(study, values)
            plan.append(
                Planned(
                    row=row.number,
                    action=UPDATE if changes else UNCHANGED,
                    values=values,
                    target=study,
                    changes=changes,
                )
            )
        return plan

    def _parse(self, row: Row, owners: dict) -> dict | None:
        code = row.values["org"]
        owner = owners.get(code)
        if not code:
            row.error("org", _("is required"))
        elif owner is None or not self.in_scope(owner.path):
            row.error(
                "org",
                _("no implementer or country project with code %(code)s") % {"code": code},
            )
            owner = None
        values = {
            "org": owner,
            "ref": row.parse("ref", base.text, max_length=80, required=True),
            "year": row.parse("year", base.year),
            "publication_type": row.parse(
                "publication_type", base.choice, tuple(PublicationType.values), required=False
            ),
            "doi": row.parse("doi", doi),
            "url": row.parse("url", website),
            "countries": row.parse("countries", countries),
            "design": row.parse("design", base.choice, tuple(Design.values), required=False),
            "sample_size": row.parse("sample_size", whole_number),
        }
        for name, max_length in TEXT_FIELDS.items():
            parser = authors if name == "authors" else base.text
            kwargs = {} if name == "authors" else {"max_length": max_length}
            values[name] = row.parse(name, parser, required=name == "title", **kwargs)
        if values["title"] not in (None, base.INVALID):
            values["title"] = " ".join(values["title"].split())
        for name, choices in LIST_FIELDS.items():
            values[name] = row.parse(name, base.choices_list, choices)
        if not row.ok:
            return None
        values["publication_type"] = values["publication_type"] or PublicationType.REPORT
        return values

    def _changes(self, study: Study, values: dict) -> dict:
        changes = {}
        for name in FIELDS:
            new = values[name]
            stored = codes_to_db(new, upper=name == "countries") if name in LIST_COLUMNS else new
            if stored != getattr(study, name):
                changes[name] = new
        return changes

    def write(self, plan: list[Planned], batch) -> None:
        for planned in plan:
            values = planned.values
            if planned.action == CREATE:
                self.service_call(
                    planned,
                    study_create,
                    origin=self.origin,
                    organisation=values["org"],
                    ref=values["ref"],
                    import_batch=batch,
                    audit=False,
                    **{name: values[name] for name in FIELDS},
                )
            elif planned.action == UPDATE:
                self.service_call(
                    planned,
                    study_update,
                    origin=self.origin,
                    study=planned.target,
                    import_batch=batch,
                    audit=False,
                    **planned.changes,
                )
