"""Imports of the documented templates: all-or-nothing, idempotent, traceable.

`records_import` reads a CSV or XLSX file, checks its columns against the template, validates
every row into a plan before anything is written, then writes the plan through the services of
`core` and `cases` inside one transaction, under one `ImportBatch` and one audit entry. Any
problem, found while validating or raised by a service while writing, leaves the database as it
was. A dry run does all of it and rolls back.
"""

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from ctip.core.audit import Action, Origin, audit_write
from ctip.core.models import ImportBatch, Organisation
from ctip.interop.importers.base import CREATE, UNCHANGED, UPDATE, Importer, Problem, Row
from ctip.interop.importers.columns import TEMPLATES, column_names
from ctip.interop.importers.companies import CompanyImporter
from ctip.interop.importers.followups import FollowupImporter
from ctip.interop.importers.needs import NeedImporter
from ctip.interop.importers.organisations import OrganisationImporter
from ctip.interop.importers.referrals import ReferralImporter
from ctip.interop.importers.services import ServiceImporter
from ctip.interop.importers.studies import StudyImporter
from ctip.interop.importers.survivors import SurvivorImporter
from ctip.interop.importers.tabular import Table, TableError, read_table

IMPORTERS: dict[str, type[Importer]] = {
    "organisations": OrganisationImporter,
    "survivors": SurvivorImporter,
    "needs": NeedImporter,
    "companies": CompanyImporter,
    "services": ServiceImporter,
    "referrals": ReferralImporter,
    "followups": FollowupImporter,
    "studies": StudyImporter,
}
KINDS = tuple(IMPORTERS)

__all__ = ["KINDS", "TEMPLATES", "ImportOutcome", "Problem", "column_names", "records_import"]


@dataclass
class ImportOutcome:
    kind: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False
    problems: list[Problem] = field(default_factory=list)
    batch: ImportBatch | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def counts(self) -> str:
        return f"created={self.created} updated={self.updated} unchanged={self.unchanged}"


def header_problems(kind: str, header: list[str]) -> list[Problem]:
    """Missing, unknown, duplicated or unnamed columns: each one a problem, all named."""
    expected = column_names(kind)
    problems = []
    seen = set()
    for index, name in enumerate(header, start=1):
        if not name:
            problems.append(Problem(_("row 1: column %(n)d has no name") % {"n": index}))
        elif name in seen:
            problems.append(Problem(_("row 1: column %(name)s appears twice") % {"name": name}))
        seen.add(name)
    missing = [name for name in expected if name not in seen]
    unknown = [name for name in header if name and name not in expected]
    if missing:
        problems.append(Problem(_("missing columns: %(names)s") % {"names": ", ".join(missing)}))
    if unknown:
        problems.append(
            Problem(
                _("unknown columns (the %(kind)s template has only %(expected)s): %(names)s")
                % {"kind": kind, "expected": ", ".join(expected), "names": ", ".join(unknown)}
            )
        )
    return problems


def _rows(table: Table, problems: list[Problem]) -> list[Row]:
    rows = []
    width = len(table.header)
    for number, cells in table.rows:
        if any(cells[width:]):
            problems.append(
                Problem(
                    _("has more cells than the header has columns"),
                    row=number,
                )
            )
            continue
        cells = cells + [""] * (width - len(cells))
        rows.append(Row(number, dict(zip(table.header, cells, strict=False)), problems))
    return rows


def records_import(
    *,
    origin: Origin,
    kind: str,
    file_name: str,
    content: bytes,
    scope: Organisation | None = None,
    dry_run: bool = False,
) -> ImportOutcome:
    """Import one file of a documented template; see the module's docstring for the rules.

    ``scope``: when given, every record must lie in this organisation's subtree.
    """
    if kind not in IMPORTERS:
        raise ValueError(f"unknown import kind {kind!r}")
    outcome = ImportOutcome(kind=kind, dry_run=dry_run)
    try:
        table = read_table(file_name, content)
    except TableError as exc:
        outcome.problems.append(Problem(str(exc)))
        return outcome
    outcome.problems = header_problems(kind, table.header)
    if outcome.problems:
        return outcome

    importer = IMPORTERS[kind](origin=origin, scope=scope)
    importer.problems = outcome.problems
    rows = _rows(table, outcome.problems)
    outcome.rows = len(table.rows)
    plan = importer.plan(rows)
    if outcome.problems:
        outcome.problems.sort(key=lambda p: p.row or 0)
        return outcome
    outcome.created = sum(p.action == CREATE for p in plan)
    outcome.updated = sum(p.action == UPDATE for p in plan)
    outcome.unchanged = sum(p.action == UNCHANGED for p in plan)

    with transaction.atomic():
        batch = ImportBatch.objects.create(
            kind=kind,
            file_name=Path(file_name).name[:255],
            file_sha256=hashlib.sha256(content).hexdigest(),
            organisation=scope,
            created_by=origin.user,
            created=outcome.created,
            updated=outcome.updated,
            unchanged=outcome.unchanged,
        )
        importer.write(plan, batch)
        if outcome.problems:
            # A service refused a row the checks let through: undo everything.
            transaction.set_rollback(True)
            outcome.problems.sort(key=lambda p: p.row or 0)
            return outcome
        audit_write(
            origin=origin,
            action=Action.IMPORT,
            object_type="import_batch",
            object_ref=str(batch.uuid),
            organisation_code=scope.code if scope else "",
            detail={
                "kind": kind,
                "rows": outcome.rows,
                "created": outcome.created,
                "updated": outcome.updated,
                "unchanged": outcome.unchanged,
                "file_sha256": batch.file_sha256,
            },
        )
        if dry_run:
            transaction.set_rollback(True)
        else:
            outcome.batch = batch
    return outcome
