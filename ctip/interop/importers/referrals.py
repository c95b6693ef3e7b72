"""`ctip import referrals`: referrals as they stand today, found again by (from_org, ref).

A row without `consent_on` is refused: no referral without the survivor's consent (DESIGN.md,
"Protecting survivors", rule 4). A started or completed referral is linked to the episode it
produced (an episode of the same survivor, type, provider and start date, or a new one). On
re-import the status may only move forward along the loop, each status passed getting its event.
"""

from django.utils.translation import gettext as _

from ctip.cases.models import Need
from ctip.core.models import Organisation
from ctip.interop.importers import base
from ctip.interop.importers.base import (
    CREATE,
    UNCHANGED,
    UPDATE,
    Importer,
    Planned,
    Row,
)
from ctip.interop.importers.services import (
    Dates,
    RefLookups,
    _differs,
    add_problems,
    load_organisations,
    provider_lookup,
    service_type_lookup,
)
from ctip.interop.importers.survivors import chunks
from ctip.services.models import Referral, ReferralStatus, ServiceType
from ctip.services.services import (
    import_referral_problems,
    referral_import_update,
    referrals_bulk_import,
)

COMPARED = (
    "need",
    "service_type",
    "to_provider",
    "consent_on",
    "sent_on",
    "status",
    "service_started_on",
)
STATUSES = tuple(ReferralStatus.values)


class ReferralImporter(Importer):
    kind = "referrals"
    field_columns = {
        "need": "need_ref",
        "survivor": "survivor_ref",
        "organisation": "from_org",
    }

    def plan(self, rows: list[Row]) -> list[Planned]:
        by_code, by_pk = load_organisations()
        types = {t.code: t for t in ServiceType.objects.all()}
        lookups = RefLookups(self, rows, by_pk)
        dates = Dates()
        parsed: dict[tuple[int, str], tuple[Row, dict]] = {}
        for row in rows:
            values = self._parse(row, lookups, types, by_code, dates)
            if values is None:
                continue
            key = (values["organisation"].pk, values["ref"])
            if key in parsed:
                row.error(
                    "ref",
                    _("%(ref)s appears twice in the file for %(org)s (first on row %(first)d)")
                    % {
                        "ref": values["ref"],
                        "org": values["organisation"].code,
                        "first": parsed[key][0].number,
                    },
                )
                continue
            parsed[key] = (row, values)

        existing = self._existing(list(parsed))
        plan = []
        for key, (row, values) in parsed.items():
            referral = existing.get(key)
            if referral is None:
                if add_problems(self, row, import_referral_problems(values)):
                    continue
                plan.append(Planned(row=row.number, action=CREATE, values=values))
                continue
            if referral.survivor_id != values["survivor"].pk:
                row.error(
                    "ref",
                    _("%(ref)s is already the ref of a referral of another survivor")
                    % {"ref": values["ref"]},
                )
                continue
            changes = {
                name: values[name] for name in COMPARED if _differs(referral, name, values[name])
            }
            plan.append(
                Planned(
                    row=row.number,
                    action=UPDATE if changes else UNCHANGED,
                    values=values,
                    target=referral,
                    changes=changes,
                )
            )
        return plan

    def _parse(self, row: Row, lookups: RefLookups, types, by_code, dates) -> dict | None:
        organisation = self._from_org(row, by_code)
        survivor = lookups.survivor(row, prefer_under=organisation)
        if survivor is not None and organisation is not None:
            if not organisation.path.startswith(survivor.organisation.path):
                row.error(
                    "from_org",
                    _("%(org)s is not the survivor's organisation (%(owner)s) nor one of its sites")
                    % {"org": organisation.code, "owner": survivor.organisation.code},
                )
        consent_on = row.parse("consent_on", dates)
        if consent_on is None:
            row.error(
                "consent_on",
                _(
                    "is required: a referral needs the date the survivor consented to it "
                    "(no referral without consent)"
                ),
            )
        values = {
            "ref": row.parse("ref", base.text, max_length=80, required=True),
            "survivor": survivor,
            "organisation": organisation,
            "need": lookups.need(row, survivor),
            "service_type": service_type_lookup(row, types),
            "to_provider": provider_lookup(row, "to_provider", by_code, survivor),
            "consent_on": consent_on,
            "sent_on": row.parse("sent_on", dates, required=True),
            "status": row.parse("status", base.choice, STATUSES),
            "service_started_on": row.parse("service_started_on", dates),
        }
        return values if row.ok else None

    def _from_org(self, row: Row, by_code: dict) -> Organisation | None:
        code = row.values["from_org"]
        if not code:
            row.error("from_org", _("is required"))
            return None
        organisation = by_code.get(code)
        if organisation is None or not self.in_scope(organisation.path):
            if self.scope is None:
                row.error("from_org", _("no organisation with code %(code)s") % {"code": code})
            else:
                row.error(
                    "from_org",
                    _("no organisation with code %(code)s within %(scope)s")
                    % {"code": code, "scope": self.scope.code},
                )
            return None
        return organisation

    def _existing(self, keys: list[tuple[int, str]]) -> dict[tuple[int, str], Referral]:
        org_ids = sorted({org_id for org_id, _ref in keys})
        refs = sorted({ref for _org_id, ref in keys})
        found = {}
        for refs_chunk in chunks(refs):
            queryset = (
                Referral.objects.filter(organisation_id__in=org_ids, ref__in=refs_chunk)
                .select_related("survivor", "survivor__organisation", "organisation")
                .defer(
                    "note",
                    *(
                        f"survivor__{c}"
                        for c in ("given_name", "family_name", "phone", "address", "notes")
                    ),
                )
            )
            for referral in queryset:
                found[(referral.organisation_id, referral.ref)] = referral
        return found

    def write(self, plan: list[Planned], batch) -> None:
        creates = [planned for planned in plan if planned.action == CREATE]
        entries = [dict(planned.values) for planned in creates]
        self.bulk_call(creates, referrals_bulk_import, entries=entries, import_batch=batch)
        for planned in plan:
            if planned.action == UPDATE:
                changes = dict(planned.changes)
                if changes.get("need") is not None:
                    changes["need"] = Need.objects.get(pk=changes["need"].pk)
                self.service_call(
                    planned,
                    referral_import_update,
                    origin=self.origin,
                    referral=planned.target,
                    import_batch=batch,
                    **changes,
                )
