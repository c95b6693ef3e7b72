"""`ctip import followups`: follow-ups as they stand, found again by (survivor's organisation,
ref), with an optional score on one instrument.

A row without a result is a follow-up still to do and needs the survivor's follow-up consent in
force. A row with a result needs its date (done_on); lost rows get the reason "not recorded".
A row that matches a scheduled follow-up of the same month (due within 15 days) fills that one
in rather than adding a second. Rows are written in date order, so contact state (lost, found
again) ends as if each had been recorded by hand.
"""

from django.utils.translation import gettext as _

from ctip.cases.models import Survivor
from ctip.followup.models import FollowUp, FollowupResult, FollowupStatus
from ctip.followup.selectors import catalogue_for, consent_given_on
from ctip.followup.services import (
    SAME_MONTH_DAYS,
    followup_import,
    schedule_dates,
    schedule_for,
)
from ctip.interop.importers import base
from ctip.interop.importers.base import CREATE, UNCHANGED, UPDATE, Importer, Planned, Row
from ctip.interop.importers.needs import NeedImporter
from ctip.interop.importers.survivors import chunks

RESULTS = tuple(FollowupResult.values)


def _score(value: str) -> float | None:
    if not value:
        return None
    try:
        number = float(value)
    except ValueError as exc:
        raise base.CellError(_("%(value)s is not a number") % {"value": value}) from exc
    if number != number or number in (float("inf"), float("-inf")):  # NaN, infinity
        raise base.CellError(_("%(value)s is not a number") % {"value": value})
    return number


class FollowupImporter(Importer):
    kind = "followups"
    field_columns = {"taken_on": "done_on", "answers": "score", "instrument": "instrument"}

    # Survivors are looked up exactly as for needs (in scope, by ref, never loading PII):
    # the same two methods, shared rather than copied.
    _survivors = NeedImporter._survivors
    _survivor = NeedImporter._survivor

    def plan(self, rows: list[Row]) -> list[Planned]:
        from ctip.core.models import Organisation

        organisations = {org.pk: org for org in Organisation.objects.all()}
        survivors = self._survivors(
            sorted({row.values["survivor_ref"] for row in rows}), organisations
        )
        catalogues: dict[int, object] = {}
        parsed: dict[tuple[int, str], tuple[Row, dict]] = {}
        for row in rows:
            values = self._parse(row, survivors, catalogues)
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
        claimed: set[int] = set()
        plan = []
        for key, (row, values) in parsed.items():
            followup = existing.get(key)
            if followup is not None and followup.survivor_id != values["survivor"].pk:
                row.error(
                    "ref",
                    _("%(ref)s is already the ref of a follow-up of another survivor")
                    % {"ref": values["ref"]},
                )
                continue
            if followup is None:
                followup = self._scheduled(values, claimed)
                if followup is None:
                    plan.append(Planned(row=row.number, action=CREATE, values=values))
                    continue
                claimed.add(followup.pk)
                plan.append(Planned(row=row.number, action=UPDATE, values=values, target=followup))
                continue
            action = UNCHANGED if self._same(followup, values) else UPDATE
            plan.append(Planned(row=row.number, action=action, values=values, target=followup))
        return plan

    def _parse(self, row: Row, survivors: dict, catalogues: dict) -> dict | None:
        survivor = self._survivor(row, survivors)
        values = {
            "ref": row.parse("ref", base.text, max_length=80, required=True),
            "survivor": survivor,
            "due_on": row.parse("due_on", base.date, required=True, past=False),
            "done_on": row.parse("done_on", base.date),
            "result": row.parse("result", base.choice, RESULTS, required=False),
            "instrument": row.values["instrument"],
            "score": row.parse("score", _score),
        }
        if not row.ok:
            return None
        result, done_on = values["result"], values["done_on"]
        if result and done_on is None:
            row.error("done_on", _("is required when there is a result"))
        if done_on is not None and not result:
            row.error("result", _("is required when done_on is given"))
        if done_on is not None and done_on < survivor.opened_on:
            row.error(
                "done_on", _("is before the case opened (%(on)s)") % {"on": survivor.opened_on}
            )
        if not result and consent_given_on(survivor) is None:
            row.error(
                "survivor_ref",
                _("has no follow-up consent in force: a follow-up still to do cannot be planned"),
            )
        self._check_score(row, values, catalogues)
        return values if row.ok else None

    def _check_score(self, row: Row, values: dict, catalogues: dict) -> None:
        code, score = values["instrument"], values["score"]
        if not code and score is None:
            return
        if not code:
            row.error("instrument", _("is required when there is a score"))
            return
        if score is None:
            row.error("score", _("is required when there is an instrument"))
            return
        if values["result"] != FollowupResult.REACHED:
            row.error("instrument", _("a score needs result reached"))
            return
        organisation = values["survivor"].organisation
        if organisation.pk not in catalogues:
            catalogues[organisation.pk] = catalogue_for(organisation)
        instrument = catalogues[organisation.pk].instruments.get(code)
        if instrument is None:
            known = ", ".join(sorted(catalogues[organisation.pk].instruments))
            row.error(
                "instrument",
                _("%(value)s is not one of: %(values)s") % {"value": code, "values": known},
            )
        elif not instrument.in_range(score):
            row.error(
                "score",
                _("%(value)s is outside %(instrument)s's range %(min)s–%(max)s")
                % {
                    "value": f"{score:g}",
                    "instrument": instrument.short_name,
                    "min": f"{instrument.score_min:g}",
                    "max": f"{instrument.score_max:g}",
                },
            )

    def _existing(self, keys: list[tuple[int, str]]) -> dict[tuple[int, str], FollowUp]:
        org_ids = sorted({org_id for org_id, _ref in keys})
        refs = sorted({ref for _org_id, ref in keys})
        found = {}
        for refs_chunk in chunks(refs):
            queryset = FollowUp.objects.filter(
                organisation_id__in=org_ids, ref__in=refs_chunk
            ).prefetch_related("assessments")
            for followup in queryset:
                found[(followup.organisation_id, followup.ref)] = followup
        return found

    def _scheduled(self, values: dict, claimed: set[int]) -> FollowUp | None:
        """A scheduled follow-up of the same month without a ref, which this row fills in."""
        survivor: Survivor = values["survivor"]
        months, _kind = schedule_for(survivor)
        near = [
            month
            for month, due in schedule_dates(survivor.opened_on, months)
            if abs((due - values["due_on"]).days) <= SAME_MONTH_DAYS
        ]
        if not near:
            return None
        candidates = FollowUp.objects.filter(survivor=survivor, ref="", month__in=near).exclude(
            pk__in=claimed
        )
        return candidates.order_by("due_on").first()

    def _same(self, followup: FollowUp, values: dict) -> bool:
        status = FollowupStatus.DONE if values["result"] else FollowupStatus.PENDING
        if (followup.due_on, followup.status, followup.result, followup.done_on) != (
            values["due_on"],
            status,
            values["result"],
            values["done_on"],
        ):
            return False
        if not values["instrument"]:
            return True
        scores = {a.instrument_code: (a.score, a.taken_on) for a in followup.assessments.all()}
        return scores.get(values["instrument"]) == (values["score"], values["done_on"])

    def write(self, plan: list[Planned], batch) -> None:
        changing = [p for p in plan if p.action in (CREATE, UPDATE)]
        changing.sort(key=lambda p: (p.values["done_on"] or p.values["due_on"], p.row))
        for planned in changing:
            values = planned.values
            self.service_call(
                planned,
                followup_import,
                origin=self.origin,
                survivor=values["survivor"],
                ref=values["ref"],
                due_on=values["due_on"],
                result=values["result"],
                done_on=values["done_on"],
                instrument=values["instrument"],
                score=values["score"],
                target=planned.target,
                import_batch=batch,
            )
