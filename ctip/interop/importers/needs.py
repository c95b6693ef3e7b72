"""`ctip import needs`: assessed needs, each naming its survivor by the survivor's ref.

A need belongs to its survivor's organisation; its ref is unique there. Survivors are looked up
among those in scope only, and without loading their encrypted columns.
"""

from django.utils.translation import gettext as _

from ctip.cases.models import Need, NeedCategory, NeedStatus, Survivor
from ctip.cases.selectors import PII_COLUMNS
from ctip.cases.services import need_update, needs_bulk_assess
from ctip.core.models import Organisation
from ctip.interop.importers import base
from ctip.interop.importers.base import CREATE, UNCHANGED, UPDATE, Importer, Planned, Row
from ctip.interop.importers.survivors import chunks

COMPARED = ("category", "assessed_on", "status")
CATEGORIES = tuple(NeedCategory.values)
STATUSES = tuple(NeedStatus.values)


class NeedImporter(Importer):
    kind = "needs"
    field_columns = {"survivor": "survivor_ref"}

    def plan(self, rows: list[Row]) -> list[Planned]:
        organisations = {org.pk: org for org in Organisation.objects.all()}
        survivors = self._survivors(
            sorted({row.values["survivor_ref"] for row in rows}), organisations
        )
        parsed: dict[tuple[int, str], tuple[Row, dict]] = {}
        for row in rows:
            values = self._parse(row, survivors)
            if values is None:
                continue
            key = (values["survivor"].organisation_id, values["ref"])
            if key in parsed:
                row.error(
                    "ref",
                    _("%(ref)s appears twice in the file for %(org)s (first on row %(first)d)")
                    % {
                        "ref": values["ref"],
                        "org": values["survivor"].organisation.code,
                        "first": parsed[key][0].number,
                    },
                )
                continue
            parsed[key] = (row, values)

        existing = self._existing(list(parsed))
        plan = []
        for key, (row, values) in parsed.items():
            need = existing.get(key)
            if need is None:
                plan.append(Planned(row=row.number, action=CREATE, values=values))
                continue
            changes = {
                name: values[name] for name in COMPARED if getattr(need, name) != values[name]
            }
            if need.survivor_id != values["survivor"].pk:
                changes["survivor"] = values["survivor"]
            plan.append(
                Planned(
                    row=row.number,
                    action=UPDATE if changes else UNCHANGED,
                    values=values,
                    target=need,
                    changes=changes,
                )
            )
        return plan

    def _survivors(self, refs: list[str], organisations: dict) -> dict[str, list[Survivor]]:
        """Survivors in scope by ref (a ref may be used by several organisations)."""
        found: dict[str, list[Survivor]] = {}
        queryset = Survivor.objects.defer(*PII_COLUMNS)
        if self.scope is not None:
            queryset = queryset.filter(organisation__path__startswith=self.scope.path)
        for refs_chunk in chunks([r for r in refs if r]):
            for survivor in queryset.filter(ref__in=refs_chunk):
                survivor.organisation = organisations[survivor.organisation_id]
                found.setdefault(survivor.ref, []).append(survivor)
        return found

    def _parse(self, row: Row, survivors: dict[str, list[Survivor]]) -> dict | None:
        values = {
            "ref": row.parse("ref", base.text, max_length=80, required=True),
            "survivor": self._survivor(row, survivors),
            "category": row.parse("category", base.choice, CATEGORIES),
            "assessed_on": row.parse("assessed_on", base.date, required=True),
            "status": row.parse("status", base.choice, STATUSES),
        }
        return values if row.ok else None

    def _survivor(self, row: Row, survivors: dict[str, list[Survivor]]) -> Survivor | None:
        ref = row.values["survivor_ref"]
        if not ref:
            row.error("survivor_ref", _("is required"))
            return None
        matches = survivors.get(ref, [])
        if not matches:
            if self.scope is None:
                row.error("survivor_ref", _("no survivor with ref %(ref)s") % {"ref": ref})
            else:
                row.error(
                    "survivor_ref",
                    _("no survivor with ref %(ref)s within %(scope)s")
                    % {"ref": ref, "scope": self.scope.code},
                )
            return None
        if len(matches) > 1:
            row.error(
                "survivor_ref",
                _(
                    "%(ref)s is the ref of survivors in several "
                    "organisations (%(orgs)s); import with --org"
                )
                % {"ref": ref, "orgs": ", ".join(sorted(s.organisation.code for s in matches))},
            )
            return None
        return matches[0]

    def _existing(self, keys: list[tuple[int, str]]) -> dict[tuple[int, str], Need]:
        org_ids = sorted({org_id for org_id, _ref in keys})
        refs = sorted({ref for _org_id, ref in keys})
        found = {}
        for refs_chunk in chunks(refs):
            queryset = (
                Need.objects.select_related("survivor")
                .defer(*[f"survivor__{column}" for column in PII_COLUMNS])
                .filter(organisation_id__in=org_ids, ref__in=refs_chunk)
            )
            for need in queryset:
                found[(need.organisation_id, need.ref)] = need
        return found

    def write(self, plan: list[Planned], batch) -> None:
        creates = [planned for planned in plan if planned.action == CREATE]
        entries = [
            {name: planned.values[name] for name in ("survivor", "ref", *COMPARED)}
            for planned in creates
        ]
        self.bulk_call(creates, needs_bulk_assess, entries=entries, import_batch=batch)
        for planned in plan:
            if planned.action == UPDATE:
                self.service_call(
                    planned,
                    need_update,
                    origin=self.origin,
                    need=planned.target,
                    import_batch=batch,
                    audit=False,
                    **planned.changes,
                )
