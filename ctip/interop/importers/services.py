"""`ctip import services`: service episodes, each naming its survivor and need by their refs.

An episode belongs to its survivor's organisation; its ref is unique there. Everything a row
names is loaded up front in a few queries, as plain values rather than model objects
(survivors, needs, existing episodes, organisations, the catalogue), so checking 100,000 rows
asks the database nothing per row; new episodes go in with one prepared INSERT
(`episodes_bulk_import`). See `bench/import_services.py`.

An episode recorded earlier without a ref (for example the one a started referral produced) is
adopted by the row with the same survivor, service type, provider and start date instead of
being duplicated.
"""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from ctip.cases.models import Need, NeedCategory, Survivor
from ctip.cases.selectors import PII_COLUMNS
from ctip.core.models import Organisation
from ctip.interop.importers import base
from ctip.interop.importers.base import (
    CREATE,
    UNCHANGED,
    UPDATE,
    Importer,
    Planned,
    Row,
    validation_problems,
)
from ctip.interop.importers.survivors import chunks
from ctip.services.models import EpisodeStatus, ServiceEpisode, ServiceType
from ctip.services.selectors import implementer_path
from ctip.services.services import episode_problems, episode_update, episodes_bulk_import

COMPARED = ("service_type", "provider", "need", "started_on", "ended_on", "status")
RELATIONS = ("service_type", "provider", "need", "to_provider")
STATUSES = tuple(EpisodeStatus.values)
CATEGORY_LABELS = dict(NeedCategory.choices)


@dataclass(eq=False)
class SurvivorRef:
    """What an import needs of a survivor (no model object, no encrypted columns)."""

    pk: int
    ref: str
    organisation_id: int
    organisation: Organisation


@dataclass(eq=False)
class NeedRef:
    pk: int
    ref: str
    survivor_id: int
    category: str

    def get_category_display(self) -> str:
        return str(CATEGORY_LABELS.get(self.category, self.category))


class Dates:
    """`base.date` with today's date read once: the common case costs a slice and a parse;
    anything unusual goes to `base.date`, which gives the same messages as every import."""

    def __init__(self):
        self.today = timezone.localdate()

    def __call__(self, value: str, *, required: bool = False) -> dt.date | None:
        if len(value) == 10 and value[4] == "-" and value[7] == "-" and value[:4].isdigit():
            try:
                parsed = dt.date.fromisoformat(value)
            except ValueError:
                parsed = None
            if parsed is not None and parsed <= self.today and parsed.year >= 1900:
                return parsed
        return base.date(value, required=required)


def by_refs(queryset, refs: list[str], columns: tuple[str, ...]):
    """Rows of ``queryset`` whose ref is in ``refs``, as tuples of ``columns``: through IN
    lists of 2,000 refs, or, when the file names a good part of the rows anyway, one scan
    (long IN lists cost more to build than the rows they save)."""
    if not refs:
        return
    if len(refs) * 4 >= queryset.count():
        wanted = set(refs)
        position = columns.index("ref")
        for values in queryset.values_list(*columns).iterator(chunk_size=5000):
            if values[position] in wanted:
                yield values
        return
    for refs_chunk in chunks(refs):
        yield from queryset.filter(ref__in=refs_chunk).values_list(*columns)


class RefLookups:
    """Survivors and needs of an import, by ref, loaded in chunks (no query per row)."""

    def __init__(self, importer: Importer, rows: list[Row], organisations_by_pk: dict):
        self.importer = importer
        refs = sorted({row.values["survivor_ref"] for row in rows if row.values["survivor_ref"]})
        self.survivors: dict[str, list[SurvivorRef]] = {}
        survivors = Survivor.objects.exclude(ref="")
        if importer.scope is not None:
            survivors = survivors.filter(organisation__path__startswith=importer.scope.path)
        for pk, ref, org_id in by_refs(survivors, refs, ("pk", "ref", "organisation_id")):
            survivor = SurvivorRef(pk, ref, org_id, organisations_by_pk[org_id])
            self.survivors.setdefault(ref, []).append(survivor)
        need_refs = sorted({row.values["need_ref"] for row in rows if row.values["need_ref"]})
        found = [s for matches in self.survivors.values() for s in matches]
        wanted = {s.pk for s in found}
        needs = Need.objects.exclude(ref="").filter(
            organisation_id__in=sorted({s.organisation_id for s in found})
        )
        self.needs: dict[tuple[int, str], NeedRef] = {}
        if need_refs:
            columns = ("pk", "ref", "survivor_id", "category")
            for pk, ref, survivor_id, category in by_refs(needs, need_refs, columns):
                if survivor_id in wanted:
                    self.needs[(survivor_id, ref)] = NeedRef(pk, ref, survivor_id, category)

    def survivor(self, row: Row, prefer_under: Organisation | None = None) -> SurvivorRef | None:
        ref = row.values["survivor_ref"]
        if not ref:
            row.error("survivor_ref", _("is required"))
            return None
        matches = self.survivors.get(ref, [])
        if len(matches) > 1 and prefer_under is not None:
            # The referring organisation tells apart survivors of different partners.
            matches = [s for s in matches if prefer_under.path.startswith(s.organisation.path)]
        if not matches:
            scope = self.importer.scope
            if scope is None:
                row.error("survivor_ref", _("no survivor with ref %(ref)s") % {"ref": ref})
            else:
                row.error(
                    "survivor_ref",
                    _("no survivor with ref %(ref)s within %(scope)s")
                    % {"ref": ref, "scope": scope.code},
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

    def need(self, row: Row, survivor: SurvivorRef | None) -> NeedRef | None:
        ref = row.values["need_ref"]
        if not ref or survivor is None:
            return None
        need = self.needs.get((survivor.pk, ref))
        if need is None:
            row.error(
                "need_ref",
                _("survivor %(survivor)s has no need with ref %(ref)s")
                % {"survivor": row.values["survivor_ref"], "ref": ref},
            )
        return need


def service_type_lookup(row: Row, types: dict[str, ServiceType]) -> ServiceType | None:
    code = row.values["service_type"]
    if not code:
        row.error("service_type", _("is required"))
        return None
    service_type = types.get(code)
    if service_type is None:
        row.error(
            "service_type",
            _("%(value)s is not a service type of the catalogue (%(codes)s)")
            % {"value": code, "codes": ", ".join(sorted(types))},
        )
    return service_type


def provider_lookup(
    row: Row, column: str, organisations: dict, survivor: SurvivorRef | None
) -> Organisation | None:
    """A provider is any organisation of the survivor's implementer (not only the scope)."""
    code = row.values[column]
    if not code:
        row.error(column, _("is required"))
        return None
    organisation = organisations.get(code)
    if organisation is None or (
        survivor is not None
        and implementer_path(organisation.path) != implementer_path(survivor.organisation.path)
    ):
        row.error(column, _("no organisation with code %(code)s") % {"code": code})
        return None
    return organisation


def load_organisations() -> tuple[dict, dict]:
    organisations = list(Organisation.objects.only("pk", "code", "path", "name", "kind"))
    return {o.code: o for o in organisations}, {o.pk: o for o in organisations}


def add_problems(importer: Importer, row: Row, errors: dict) -> bool:
    """A service's errors (by field) as the row's problems; True when there were any."""
    if errors:
        for problem in validation_problems(
            row.number, ValidationError(errors), importer.field_columns
        ):
            row.error(problem.column, problem.message)
    return bool(errors)


def _differs(record, name: str, value) -> bool:
    """Compare a field with a parsed value; relations by id (no query)."""
    if name in RELATIONS:
        return getattr(record, f"{name}_id") != (value.pk if value is not None else None)
    return getattr(record, name) != value


@dataclass
class Stored:
    """An existing episode as plain values (loaded without model objects)."""

    pk: int
    organisation_id: int
    ref: str
    survivor_id: int
    service_type_id: int
    provider_id: int
    need_id: int | None
    started_on: dt.date
    ended_on: dt.date | None
    status: str
    adopt: bool = False

    def as_tuple(self) -> tuple:
        return (
            self.service_type_id,
            self.provider_id,
            self.need_id,
            self.started_on,
            self.ended_on,
            self.status,
        )


def _as_tuple(values: dict) -> tuple:
    need = values["need"]
    return (
        values["service_type"].pk,
        values["provider"].pk,
        need.pk if need is not None else None,
        values["started_on"],
        values["ended_on"],
        values["status"],
    )


STORED_COLUMNS = (
    "pk", "organisation_id", "ref", "survivor_id", "service_type_id", "provider_id", "need_id",
    "started_on", "ended_on", "status",
)  # fmt: skip


class ServiceImporter(Importer):
    kind = "services"
    field_columns = {
        "need": "need_ref",
        "survivor": "survivor_ref",
        "discontinued_reason": "status",
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
        unref = self._unreferenced([values["survivor"].pk for _row, values in parsed.values()])
        plan = []
        for key, (row, values) in parsed.items():
            stored = existing.get(key)
            if stored is None:
                match = (
                    values["survivor"].pk,
                    values["service_type"].pk,
                    values["provider"].pk,
                    values["started_on"],
                )
                if unref.get(match):
                    stored = unref[match].pop(0)
                    stored.adopt = True
            if stored is None:
                problems = episode_problems(
                    survivor=values["survivor"],
                    service_type=values["service_type"],
                    provider=values["provider"],
                    need=values["need"],
                    started_on=values["started_on"],
                    ended_on=values["ended_on"],
                    status=values["status"],
                    today=dates.today,
                )
                if add_problems(self, row, problems):
                    continue
                plan.append(Planned(row=row.number, action=CREATE, values=values))
                continue
            if stored.survivor_id != values["survivor"].pk:
                row.error(
                    "ref",
                    _("%(ref)s is already the ref of an episode of another survivor")
                    % {"ref": values["ref"]},
                )
                continue
            changes = {}
            if stored.as_tuple() != _as_tuple(values):
                changes = {
                    name: values[name] for name in COMPARED if _differs(stored, name, values[name])
                }
            plan.append(
                Planned(
                    row=row.number,
                    action=UPDATE if (changes or stored.adopt) else UNCHANGED,
                    values=values,
                    target=stored,
                    changes=changes,
                )
            )
        return plan

    def _parse(self, row: Row, lookups: RefLookups, types, by_code, dates) -> dict | None:
        survivor = lookups.survivor(row)
        values = {
            "ref": row.parse("ref", base.text, max_length=80, required=True),
            "survivor": survivor,
            "need": lookups.need(row, survivor),
            "service_type": service_type_lookup(row, types),
            "provider": provider_lookup(row, "provider", by_code, survivor),
            "started_on": row.parse("started_on", dates, required=True),
            "ended_on": row.parse("ended_on", dates),
            "status": row.parse("status", base.choice, STATUSES),
        }
        return values if row.ok else None

    def _existing(self, keys: list[tuple[int, str]]) -> dict[tuple[int, str], Stored]:
        org_ids = sorted({org_id for org_id, _ref in keys})
        refs = sorted({ref for _org_id, ref in keys})
        with_refs = ServiceEpisode.objects.filter(organisation_id__in=org_ids).exclude(ref="")
        wanted = set(keys)
        found = {}
        for values in by_refs(with_refs, refs, STORED_COLUMNS):
            stored = Stored(*values)
            if (stored.organisation_id, stored.ref) in wanted:
                found[(stored.organisation_id, stored.ref)] = stored
        return found

    def _unreferenced(self, survivor_ids: list[int]) -> dict[tuple, list[Stored]]:
        """Episodes without a ref of the file's survivors, by what identifies them."""
        found: dict[tuple, list[Stored]] = {}
        for ids_chunk in chunks(sorted(set(survivor_ids))):
            queryset = (
                ServiceEpisode.objects.filter(survivor_id__in=ids_chunk, ref="")
                .order_by("id")
                .values_list(*STORED_COLUMNS)
            )
            for values in queryset:
                stored = Stored(*values)
                key = (
                    stored.survivor_id,
                    stored.service_type_id,
                    stored.provider_id,
                    stored.started_on,
                )
                found.setdefault(key, []).append(stored)
        return found

    def write(self, plan: list[Planned], batch) -> None:
        creates = [planned for planned in plan if planned.action == CREATE]
        entries = [planned.values for planned in creates]  # read by key: extra keys are fine
        self.bulk_call(
            creates, episodes_bulk_import, entries=entries, import_batch=batch, checked=True
        )
        updates = [planned for planned in plan if planned.action == UPDATE]
        # Changed rows are few: these load their episodes (and needs) as model objects.
        episodes = ServiceEpisode.objects.select_related(
            "survivor", "survivor__organisation"
        ).defer("notes", *(f"survivor__{c}" for c in PII_COLUMNS))
        by_pk = {
            e.pk: e for e in episodes.filter(pk__in=[planned.target.pk for planned in updates])
        }
        for planned in updates:
            episode = by_pk[planned.target.pk]
            if planned.target.adopt:
                episode.ref = planned.values["ref"]
                episode.import_batch = batch
                episode.save(update_fields=["ref", "import_batch", "modified_at"])
            changes = dict(planned.changes)
            if changes.get("need") is not None:
                changes["need"] = Need.objects.get(pk=changes["need"].pk)
            if changes:
                self.service_call(
                    planned,
                    episode_update,
                    origin=self.origin,
                    episode=episode,
                    import_batch=batch,
                    audit=False,
                    **changes,
                )
