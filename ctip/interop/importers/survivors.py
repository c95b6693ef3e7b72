"""`ctip import survivors`: survivors found again by (organisation, ref); PII encrypted.

Messages about names and phone numbers describe the problem and never repeat the value. An empty
name or phone cell keeps what is stored (erasure is its own audited action, not a blank cell),
and the PII cells of a survivor whose PII was erased on request are ignored, so re-importing an
old file cannot bring erased names back.
"""

from django.utils.translation import gettext as _

from ctip.cases.models import Exploitation, Sex, Survivor, exploitation_to_db
from ctip.cases.services import survivor_update, survivors_bulk_register
from ctip.core.models import Organisation, OrganisationKind
from ctip.interop.importers import base
from ctip.interop.importers.base import CREATE, INVALID, UNCHANGED, UPDATE, Importer, Planned, Row

SURVIVOR_KINDS = (OrganisationKind.PARTNER, OrganisationKind.SITE)
PROFILE = ("sex", "birth_year", "nationality", "exploitation", "identified_on")
PII = ("given_name", "family_name", "phone")
CHUNK = 2000
# Computed once: `Choices.values` builds a new list on every access.
SEXES = tuple(Sex.values)
EXPLOITATIONS = tuple(Exploitation.values)


def organisation_lookup(importer: Importer, row: Row, column: str, organisations: dict):
    """The partner or site a row names, within the import's scope; else the row's problem."""
    value = row.values[column]
    if not value:
        row.error(column, _("is required"))
        return None
    org = organisations.get(value)
    if org is None or not importer.in_scope(org.path):
        if importer.scope is None:
            row.error(column, _("no organisation with code %(code)s") % {"code": value})
        else:
            row.error(
                column,
                _("no organisation with code %(code)s within %(scope)s")
                % {"code": value, "scope": importer.scope.code},
            )
        return None
    if org.kind not in SURVIVOR_KINDS:
        row.error(
            column,
            _("%(code)s is a %(kind)s; survivors belong to a partner or a site")
            % {"code": value, "kind": org.kind},
        )
        return None
    return org


def chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


class SurvivorImporter(Importer):
    kind = "survivors"
    field_columns = {"organisation": "org"}

    def plan(self, rows: list[Row]) -> list[Planned]:
        organisations = {org.code: org for org in Organisation.objects.all()}
        parsed: dict[tuple[int, str], tuple[Row, dict]] = {}
        for row in rows:
            values = self._parse(row, organisations)
            if values is None:
                continue
            key = (values["org"].pk, values["ref"])
            if key in parsed:
                row.error(
                    "ref",
                    _("%(ref)s appears twice in the file for %(org)s (first on row %(first)d)")
                    % {
                        "ref": values["ref"],
                        "org": values["org"].code,
                        "first": parsed[key][0].number,
                    },
                )
                continue
            parsed[key] = (row, values)

        existing = self._existing(list(parsed))
        plan = []
        for key, (row, values) in parsed.items():
            survivor = existing.get(key)
            if survivor is None:
                plan.append(Planned(row=row.number, action=CREATE, values=values))
                continue
            changes = self._changes(survivor, values)
            action = UPDATE if changes else UNCHANGED
            plan.append(
                Planned(
                    row=row.number, action=action, values=values, target=survivor, changes=changes
                )
            )
        return plan

    def _parse(self, row: Row, organisations: dict) -> dict | None:
        values = {
            "ref": row.parse("ref", base.text, max_length=80, required=True),
            "org": organisation_lookup(self, row, "org", organisations),
            "sex": row.parse("sex", base.choice, SEXES),
            "birth_year": row.parse("birth_year", base.year),
            "nationality": row.parse("nationality", base.country),
            "exploitation": row.parse("exploitation", base.choices_list, EXPLOITATIONS),
            "identified_on": row.parse("identified_on", base.date),
            "given_name": row.parse("given_name", base.pii_text),
            "family_name": row.parse("family_name", base.pii_text),
            "phone": row.parse("phone", base.phone),
        }
        born, identified = values["birth_year"], values["identified_on"]
        if born not in (None, INVALID) and identified not in (None, INVALID):
            if identified.year < born:
                row.error(
                    "identified_on",
                    _("%(date)s is before the birth year %(year)d")
                    % {"date": identified.isoformat(), "year": born},
                )
        return values if row.ok else None

    def _existing(self, keys: list[tuple[int, str]]) -> dict[tuple[int, str], Survivor]:
        org_ids = sorted({org_id for org_id, _ref in keys})
        refs = sorted({ref for _org_id, ref in keys})
        found = {}
        for refs_chunk in chunks(refs):
            queryset = Survivor.objects.select_related("organisation").filter(
                organisation_id__in=org_ids, ref__in=refs_chunk
            )
            for survivor in queryset:
                found[(survivor.organisation_id, survivor.ref)] = survivor
        return found

    def _changes(self, survivor: Survivor, values: dict) -> dict:
        changes = {}
        for name in PROFILE:
            new = values[name]
            if name == "exploitation":
                if exploitation_to_db(new) != survivor.exploitation:
                    changes[name] = new
            elif new != getattr(survivor, name):
                changes[name] = new
        if survivor.pii_erased_on is None:
            for name in PII:
                if values[name] and values[name].strip() != getattr(survivor, name):
                    changes[name] = values[name]
        return changes

    def write(self, plan: list[Planned], batch) -> None:
        creates = [planned for planned in plan if planned.action == CREATE]
        entries = [
            {name: planned.values[name] for name in (*PROFILE, *PII)}
            | {"organisation": planned.values["org"], "ref": planned.values["ref"]}
            for planned in creates
        ]
        self.bulk_call(creates, survivors_bulk_register, entries=entries, import_batch=batch)
        for planned in plan:
            if planned.action == UPDATE:
                self.service_call(
                    planned,
                    survivor_update,
                    origin=self.origin,
                    survivor=planned.target,
                    import_batch=batch,
                    audit=False,
                    **planned.changes,
                )
