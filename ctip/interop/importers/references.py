"""`ctip import references FILE --org CODE`: a BibTeX or RIS export of a reference manager
(Zotero, EndNote, Mendeley, a database search) into the evidence library of one implementer or
country project.

The format is told by the extension (.bib, .bibtex → BibTeX; .ris → RIS) or, failing that, by
the first non-blank character ('@' → BibTeX, a 'TY  - ' line → RIS). BibTeX is parsed by
bibtexparser 2, RIS by rispy; both are lenient, so ctip first checks the file's structure and
names the line of anything it cannot read. Like every import it is all-or-nothing (one problem
and nothing is written), traceable (one ImportBatch, one audit entry) and idempotent: a reference
is the same study as one in the library when their DOIs match or, without a DOI on either side,
when their titles (case, accents and punctuation folded) and years match. A match is updated
with the bibliographic fields the file gives (never the coding or the appraisals); a match with
nothing new is unchanged.
"""

import hashlib
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import bibtexparser
import rispy
from bibtexparser import middlewares
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ctip.core.audit import Action, Origin, audit_write
from ctip.core.models import ImportBatch, Organisation
from ctip.evidence.models import PublicationType, Study
from ctip.evidence.selectors import OWNER_KINDS
from ctip.evidence.services import (
    DOI_PATTERN,
    normalise_doi,
    normalise_title,
    study_create,
    study_update,
)

BIBTEX, RIS = "bibtex", "ris"
FORMAT_LABELS = {BIBTEX: "BibTeX", RIS: "RIS"}
RIS_TAG = re.compile(r"^([A-Z][A-Z0-9])  -( (.*))?$")
YEAR = re.compile(r"(\d{4})")
FIELDS = ("title", "authors", "year", "publication_type", "venue", "doi", "url", "abstract")
LIMITS = {"title": 500, "authors": 1000, "venue": 300, "url": 500, "abstract": 20000}

BIBTEX_TYPES = {
    "article": PublicationType.JOURNAL,
    "book": PublicationType.BOOK,
    "inbook": PublicationType.BOOK,
    "incollection": PublicationType.BOOK,
    "booklet": PublicationType.BOOK,
    "phdthesis": PublicationType.THESIS,
    "mastersthesis": PublicationType.THESIS,
    "thesis": PublicationType.THESIS,
    "techreport": PublicationType.REPORT,
    "report": PublicationType.REPORT,
    "inproceedings": PublicationType.CONFERENCE,
    "conference": PublicationType.CONFERENCE,
    "proceedings": PublicationType.CONFERENCE,
}
RIS_TYPES = {
    "JOUR": PublicationType.JOURNAL,
    "JFULL": PublicationType.JOURNAL,
    "EJOUR": PublicationType.JOURNAL,
    "MGZN": PublicationType.JOURNAL,
    "RPRT": PublicationType.REPORT,
    "GOVDOC": PublicationType.REPORT,
    "BOOK": PublicationType.BOOK,
    "EBOOK": PublicationType.BOOK,
    "CHAP": PublicationType.BOOK,
    "ECHAP": PublicationType.BOOK,
    "EDBOOK": PublicationType.BOOK,
    "THES": PublicationType.THESIS,
    "CONF": PublicationType.CONFERENCE,
    "CPAPER": PublicationType.CONFERENCE,
}


class ReferenceFileError(Exception):
    """The file cannot be read as BibTeX or RIS at all."""


@dataclass
class Reference:
    """One entry of the file, already mapped to study fields."""

    label: str  # "entry 3 (line 12, key smith2019)": how messages name it
    values: dict


@dataclass
class ReferencesOutcome:
    format: str = ""
    entries: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False
    problems: list[str] = field(default_factory=list)
    batch: ImportBatch | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def counts(self) -> str:
        return f"created={self.created} updated={self.updated} unchanged={self.unchanged}"


def detect_format(file_name: str, text: str) -> str:
    suffix = Path(file_name).suffix.lower()
    if suffix in {".bib", ".bibtex"}:
        return BIBTEX
    if suffix == ".ris":
        return RIS
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("%"):
            continue
        if stripped.startswith("@"):
            return BIBTEX
        if RIS_TAG.match(line.rstrip()):
            return RIS
        break
    raise ReferenceFileError(
        _(
            "%(file)s is neither BibTeX (entries start with @) nor RIS (lines like 'TY  - JOUR'): "
            "export the references from your reference manager as .bib or .ris."
        )
        % {"file": Path(file_name).name}
    )


def _clip(value: str, name: str, label: str, problems: list[str]) -> str:
    value = " ".join((value or "").split()) if name != "abstract" else (value or "").strip()
    if len(value) > LIMITS.get(name, 10**6):
        problems.append(
            _("%(entry)s: %(field)s is too long (at most %(n)d characters)")
            % {"entry": label, "field": name, "n": LIMITS[name]}
        )
        return ""
    return value


def _year(raw: str, label: str, problems: list[str]) -> int | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    match = YEAR.search(raw)
    year = int(match.group(1)) if match else None
    if year is None or not 1900 <= year <= timezone.localdate().year:
        problems.append(
            _("%(entry)s: year %(value)s is not a year between 1900 and this year")
            % {"entry": label, "value": raw[:20]}
        )
        return None
    return year


def _doi(raw: str, label: str, problems: list[str]) -> str:
    value = normalise_doi(raw)
    if value and not DOI_PATTERN.match(value):
        problems.append(
            _("%(entry)s: %(value)s is not a DOI") % {"entry": label, "value": raw.strip()[:80]}
        )
        return ""
    return value


def _values(label: str, raw: dict, problems: list[str]) -> dict:
    values = {
        "title": _clip(raw.get("title", ""), "title", label, problems),
        "authors": _clip("; ".join(raw.get("authors", [])), "authors", label, problems),
        "year": _year(raw.get("year", ""), label, problems),
        "publication_type": raw.get("publication_type") or PublicationType.OTHER,
        "venue": _clip(raw.get("venue", ""), "venue", label, problems),
        "doi": _doi(raw.get("doi", ""), label, problems),
        "url": _clip(raw.get("url", ""), "url", label, problems),
        "abstract": _clip(raw.get("abstract", ""), "abstract", label, problems),
    }
    if values["url"] and not values["url"].lower().startswith(("http://", "https://")):
        values["url"] = ""
    if not values["title"]:
        problems.append(_("%(entry)s: has no title") % {"entry": label})
    return values


# --- BibTeX -----------------------------------------------------------------------------------


def parse_bibtex(text: str, problems: list[str]) -> list[Reference]:
    # bibtexparser logs each failed block as a warning; ctip reports them itself, by line.
    parser_log = logging.getLogger("bibtexparser")
    level = parser_log.level
    parser_log.setLevel(logging.ERROR)
    try:
        library = bibtexparser.parse_string(
            text,
            append_middleware=[
                middlewares.NormalizeFieldKeys(),
                middlewares.LatexDecodingMiddleware(),
                middlewares.SeparateCoAuthors(),
            ],
        )
    finally:
        parser_log.setLevel(level)
    for block in library.failed_blocks:
        error = getattr(block, "error", None)
        reason = getattr(error, "abort_reason", "") or str(error or "").strip()
        problems.append(
            _("line %(line)d: cannot read this BibTeX entry (%(error)s)")
            % {
                "line": block.start_line + 1,
                "error": reason or _("check its braces, quotes and commas"),
            }
        )
    if not library.entries and not problems:
        raise ReferenceFileError(_("The file holds no BibTeX entry."))
    references = []
    for number, entry in enumerate(library.entries, start=1):
        label = _("entry %(n)d (line %(line)d, key %(key)s)") % {
            "n": number,
            "line": entry.start_line + 1,
            "key": entry.key,
        }
        fields = {key: entry.fields_dict[key].value for key in entry.fields_dict}

        def text_of(*names, fields=fields):
            for name in names:
                value = fields.get(name)
                if isinstance(value, list):
                    value = " and ".join(value)
                if value:
                    return str(value).replace("{", "").replace("}", "")
            return ""

        authors = fields.get("author") or fields.get("editor") or []
        if isinstance(authors, str):
            authors = [authors]
        raw = {
            "title": text_of("title"),
            "authors": [a.replace("{", "").replace("}", "") for a in authors],
            "year": text_of("year", "date"),
            "publication_type": BIBTEX_TYPES.get(entry.entry_type.lower(), PublicationType.OTHER),
            "venue": text_of("journal", "journaltitle", "booktitle", "publisher", "institution")
            or text_of("school", "organization"),
            "doi": text_of("doi"),
            "url": text_of("url"),
            "abstract": text_of("abstract"),
        }
        references.append(Reference(label, _values(label, raw, problems)))
    return references


# --- RIS --------------------------------------------------------------------------------------


def _check_ris_structure(text: str, problems: list[str]) -> int:
    """Every record opens with TY and closes with ER; anything else is named by its line."""
    open_line = None
    records = 0
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.rstrip()
        if not stripped.strip():
            continue
        match = RIS_TAG.match(stripped.lstrip("\ufeff"))
        if match is None:
            if open_line is None:
                problems.append(
                    _("line %(line)d: not a RIS line ('XX  - value') and outside any record")
                    % {"line": number}
                )
            continue  # a continuation line of a long value inside a record
        tag = match.group(1)
        if tag == "TY":
            if open_line is not None:
                problems.append(
                    _(
                        "line %(line)d: a record starts before the record of line %(first)d "
                        "ended (ER)"
                    )
                    % {"line": number, "first": open_line}
                )
            open_line = number
            records += 1
        elif tag == "ER":
            if open_line is None:
                problems.append(_("line %(line)d: ER without a TY before it") % {"line": number})
            open_line = None
        elif open_line is None:
            problems.append(
                _("line %(line)d: %(tag)s outside a record (records start with TY)")
                % {"line": number, "tag": tag}
            )
    if open_line is not None:
        problems.append(
            _("line %(line)d: the record that starts here never ends (no ER line)")
            % {"line": open_line}
        )
    return records


def parse_ris(text: str, problems: list[str]) -> list[Reference]:
    records = _check_ris_structure(text, problems)
    if problems:
        return []
    if not records:
        raise ReferenceFileError(_("The file holds no RIS record (no 'TY  - ' line)."))
    starts = [
        number
        for number, line in enumerate(text.splitlines(), start=1)
        if RIS_TAG.match(line.rstrip().lstrip("\ufeff")) and line.lstrip("\ufeff").startswith("TY")
    ]
    try:
        entries = rispy.loads(text.lstrip("\ufeff"))
    except Exception as exc:  # rispy raises plain exceptions on malformed input
        raise ReferenceFileError(
            _("The RIS file cannot be read: %(error)s") % {"error": exc}
        ) from exc
    references = []
    for number, entry in enumerate(entries, start=1):
        line = starts[number - 1] if number <= len(starts) else 0
        label = _("record %(n)d (line %(line)d)") % {"n": number, "line": line}
        urls = entry.get("urls") or []
        raw = {
            "title": entry.get("title") or entry.get("primary_title") or "",
            "authors": entry.get("authors") or entry.get("first_authors") or [],
            "year": entry.get("year") or entry.get("publication_year") or entry.get("date") or "",
            "publication_type": RIS_TYPES.get(
                entry.get("type_of_reference", ""), PublicationType.OTHER
            ),
            "venue": entry.get("journal_name")
            or entry.get("alternate_title3")
            or entry.get("secondary_title")
            or entry.get("alternate_title1")
            or entry.get("publisher")
            or "",
            "doi": entry.get("doi") or "",
            "url": urls[0] if urls else "",
            "abstract": entry.get("abstract") or "",
        }
        references.append(Reference(label, _values(label, raw, problems)))
    return references


# --- the import -------------------------------------------------------------------------------


def _match_key(values: dict) -> tuple:
    return ("title", normalise_title(values["title"]), values["year"])


def _changes(study: Study, values: dict) -> dict:
    """The fields the file gives (non-empty) that differ from the study's."""
    changes = {}
    for name in FIELDS:
        new = values[name]
        if new in (None, ""):
            continue
        if name == "publication_type" and new == PublicationType.OTHER:
            continue
        if getattr(study, name) != new:
            changes[name] = new
    return changes


def references_import(
    *,
    origin: Origin,
    file_name: str,
    content: bytes,
    organisation: Organisation,
    dry_run: bool = False,
) -> ReferencesOutcome:
    outcome = ReferencesOutcome(dry_run=dry_run)
    if organisation.kind not in OWNER_KINDS:
        outcome.problems.append(
            _("%(code)s is not an implementer or a country project: a library belongs to one.")
            % {"code": organisation.code}
        )
        return outcome
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        outcome.problems.append(_("The file is not UTF-8 text: export it as UTF-8."))
        return outcome
    try:
        outcome.format = detect_format(file_name, text)
        parse = parse_bibtex if outcome.format == BIBTEX else parse_ris
        references = parse(text, outcome.problems)
    except ReferenceFileError as exc:
        outcome.problems.append(str(exc))
        return outcome
    outcome.entries = len(references)
    if outcome.problems:
        return outcome

    library = list(Study.objects.filter(organisation=organisation))
    by_doi = {study.doi: study for study in library if study.doi}
    by_title = {("title", normalise_title(s.title), s.year): s for s in library}
    seen: dict[tuple, str] = {}
    plan: list[tuple[Reference, Study | None, dict]] = []
    for reference in references:
        values = reference.values
        keys = [("doi", values["doi"])] if values["doi"] else []
        keys.append(_match_key(values))
        first = next((seen[key] for key in keys if key in seen), None)
        if first is not None:
            outcome.problems.append(
                _("%(entry)s: the same reference as %(first)s")
                % {"entry": reference.label, "first": first}
            )
            continue
        for key in keys:
            seen[key] = reference.label
        study = by_doi.get(values["doi"]) if values["doi"] else None
        if study is None:
            candidate = by_title.get(_match_key(values))
            if candidate is not None and not (
                values["doi"] and candidate.doi and candidate.doi != values["doi"]
            ):
                study = candidate
        plan.append((reference, study, _changes(study, values) if study else {}))
    if outcome.problems:
        return outcome
    outcome.created = sum(study is None for _r, study, _c in plan)
    outcome.updated = sum(study is not None and bool(changes) for _r, study, changes in plan)
    outcome.unchanged = len(plan) - outcome.created - outcome.updated

    with transaction.atomic():
        batch = ImportBatch.objects.create(
            kind="references",
            file_name=Path(file_name).name[:255],
            file_sha256=hashlib.sha256(content).hexdigest(),
            organisation=organisation,
            created_by=origin.user,
            created=outcome.created,
            updated=outcome.updated,
            unchanged=outcome.unchanged,
        )
        for reference, study, changes in plan:
            try:
                if study is None:
                    study_create(
                        origin=origin,
                        organisation=organisation,
                        import_batch=batch,
                        audit=False,
                        **reference.values,
                    )
                elif changes:
                    study_update(
                        origin=origin, study=study, import_batch=batch, audit=False, **changes
                    )
            except ValidationError as exc:
                for message in exc.messages:
                    outcome.problems.append(f"{reference.label}: {message}")
        if outcome.problems:
            transaction.set_rollback(True)
            return outcome
        audit_write(
            origin=origin,
            action=Action.IMPORT,
            object_type="import_batch",
            object_ref=str(batch.uuid),
            organisation_code=organisation.code,
            detail={
                "kind": "references",
                "format": outcome.format,
                "entries": outcome.entries,
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
