"""`ctip import companies`: the landscape mapping, into the implementer's company registry.

Companies are found again by (implementer, ref); a row whose ref exists updates that company.
A name already in the registry under another ref is a problem, not a second company.
"""

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

from ctip.core.models import Organisation, OrganisationKind
from ctip.interop.importers import base
from ctip.interop.importers.base import CREATE, UNCHANGED, UPDATE, Importer, Planned, Row
from ctip.partnerships.models import (
    Company,
    CompanySize,
    Ownership,
    Sector,
    SupplyChainPosition,
    list_to_db,
)
from ctip.partnerships.services import company_create, company_update

SECTORS = tuple(Sector.values)
OWNERSHIPS = tuple(Ownership.values)
SIZES = tuple(CompanySize.values)
POSITIONS = tuple(SupplyChainPosition.values)
YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0", ""}
FIELDS = (
    "name",
    "sector",
    "ownership",
    "hq_country",
    "operating_countries",
    "size",
    "supply_chain_position",
    "has_csr_strategy",
    "csr_summary",
    "csr_priorities",
    "interests",
    "website",
    "is_target",
)


def yes_no(value: str) -> bool:
    folded = value.strip().lower()
    if folded in YES:
        return True
    if folded in NO:
        return False
    raise base.CellError(_("%(value)s is not yes or no") % {"value": value})


def countries(value: str) -> list[str]:
    items = [item.strip() for item in value.replace(",", ";").split(";") if item.strip()]
    return sorted({base.country(item) for item in items})


def website(value: str) -> str:
    if not value:
        return ""
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError as exc:
        raise base.CellError(_("%(value)s is not a web address") % {"value": value[:80]}) from exc
    if len(value) > 200:
        raise base.CellError(_("is too long (at most %(n)d characters)") % {"n": 200})
    return value


class CompanyImporter(Importer):
    kind = "companies"
    field_columns = {
        "organisation": "implementer",
        "is_target": "target",
        **{name: name for name in FIELDS if name != "is_target"},
    }

    def plan(self, rows: list[Row]) -> list[Planned]:
        implementers = {
            org.code: org for org in Organisation.objects.filter(kind=OrganisationKind.IMPLEMENTER)
        }
        parsed: dict[tuple[int, str], tuple[Row, dict]] = {}
        names: dict[tuple[int, str], int] = {}
        for row in rows:
            values = self._parse(row, implementers)
            if values is None:
                continue
            key = (values["implementer"].pk, values["ref"])
            name_key = (values["implementer"].pk, values["name"].casefold())
            if key in parsed:
                row.error(
                    "ref",
                    _("%(ref)s appears twice in the file (first on row %(first)d)")
                    % {"ref": values["ref"], "first": parsed[key][0].number},
                )
                continue
            if name_key in names:
                row.error(
                    "name",
                    _("%(name)s appears twice in the file (first on row %(first)d)")
                    % {"name": values["name"], "first": names[name_key]},
                )
                continue
            parsed[key] = (row, values)
            names[name_key] = row.number

        implementer_ids = sorted({pk for pk, _ref in parsed})
        existing = {
            (company.organisation_id, company.ref): company
            for company in Company.objects.filter(organisation_id__in=implementer_ids).exclude(
                ref=""
            )
        }
        by_name = {
            (company.organisation_id, company.name.casefold()): company
            for company in Company.objects.filter(organisation_id__in=implementer_ids)
        }
        plan = []
        for key, (row, values) in parsed.items():
            company = existing.get(key)
            clash = by_name.get((key[0], values["name"].casefold()))
            if clash is not None and clash != company:
                row.error(
                    "name",
                    _("%(name)s is already in the registry (ref %(ref)s)")
                    % {"name": values["name"], "ref": clash.ref or "—"},
                )
                continue
            if company is None:
                plan.append(Planned(row=row.number, action=CREATE, values=values))
                continue
            changes = self._changes(company, values)
            plan.append(
                Planned(
                    row=row.number,
                    action=UPDATE if changes else UNCHANGED,
                    values=values,
                    target=company,
                    changes=changes,
                )
            )
        return plan

    def _parse(self, row: Row, implementers: dict) -> dict | None:
        code = row.values["implementer"]
        implementer = implementers.get(code)
        if not code:
            row.error("implementer", _("is required"))
        elif implementer is None or not self.in_scope(implementer.path):
            row.error("implementer", _("no implementer with code %(code)s") % {"code": code})
            implementer = None
        values = {
            "implementer": implementer,
            "ref": row.parse("ref", base.text, max_length=80, required=True),
            "name": row.parse("name", base.text, max_length=200, required=True),
            "sector": row.parse("sector", base.choice, SECTORS),
            "ownership": row.parse("ownership", base.choice, OWNERSHIPS),
            "hq_country": row.parse("hq_country", base.country),
            "operating_countries": row.parse("operating_countries", countries),
            "size": row.parse("size", base.choice, SIZES, required=False),
            "supply_chain_position": row.parse(
                "supply_chain_position", base.choice, POSITIONS, required=False
            ),
            "has_csr_strategy": row.parse("has_csr_strategy", yes_no),
            "csr_summary": row.parse("csr_summary", base.text, max_length=4000),
            "csr_priorities": row.parse("csr_priorities", base.text, max_length=4000),
            "interests": row.parse("interests", base.text, max_length=4000),
            "website": row.parse("website", website),
            "is_target": row.parse("target", yes_no),
        }
        return values if row.ok else None

    def _changes(self, company: Company, values: dict) -> dict:
        changes = {}
        for name in FIELDS:
            new = values[name]
            old = getattr(company, name)
            if name == "operating_countries":
                if list_to_db(new) != old:
                    changes[name] = new
            elif new != old:
                changes[name] = new
        return changes

    def write(self, plan: list[Planned], batch) -> None:
        for planned in plan:
            values = planned.values
            if planned.action == CREATE:
                self.service_call(
                    planned,
                    company_create,
                    origin=self.origin,
                    implementer=values["implementer"],
                    ref=values["ref"],
                    import_batch=batch,
                    audit=False,
                    **{name: values[name] for name in FIELDS},
                )
            elif planned.action == UPDATE:
                self.service_call(
                    planned,
                    company_update,
                    origin=self.origin,
                    company=planned.target,
                    import_batch=batch,
                    audit=False,
                    **planned.changes,
                )
