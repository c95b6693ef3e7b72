"""Writes of `evidence`. Callers check scope first (`selectors.study_for_edit`,
`selectors.owners_for`); services validate the coding and the appraisal rules, save, and write
the audit entry (imports write one entry for the whole batch and pass ``audit=False``)."""

import datetime as dt
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ctip.cases.models import Exploitation
from ctip.core.audit import Action, Origin, audit_write
from ctip.core.countries import ALPHA2
from ctip.core.models import ImportBatch, Organisation
from ctip.evidence.criteria import CriteriaError, criteria_for
from ctip.evidence.models import (
    Answer,
    Appraisal,
    AppraisalAnswer,
    Design,
    Intervention,
    Outcome,
    PublicationType,
    Sector,
    Study,
    Tool,
    codes_to_db,
)
from ctip.evidence.selectors import OWNER_KINDS

STUDY_FIELDS = (
    "title",
    "authors",
    "year",
    "publication_type",
    "venue",
    "doi",
    "url",
    "abstract",
    "countries",
    "sectors",
    "exploitation",
    "interventions",
    "outcomes",
    "design",
    "methods",
    "sample_size",
    "sample_description",
    "note",
)
LIST_FIELDS = {
    "countries": None,
    "sectors": Sector.values,
    "exploitation": Exploitation.values,
    "interventions": Intervention.values,
    "outcomes": Outcome.values,
}
DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
DOI_PATTERN = re.compile(r"^10\.\d{4,9}/\S+$")


def normalise_doi(value: str) -> str:
    """'https://doi.org/10.1000/ABC' and 'doi:10.1000/abc' are the same DOI: '10.1000/abc'."""
    return DOI_PREFIX.sub("", (value or "").strip()).strip().lower()


def normalise_title(value: str) -> str:
    """Case, accents, punctuation and spacing folded: the key of 'same title' matching."""
    text = unicodedata.normalize("NFKD", value or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


def _clean(values: dict) -> dict:
    """Validate and normalise study fields; raise one ValidationError naming every field."""
    errors: dict[str, list[str]] = {}
    cleaned = dict(values)
    if "title" in cleaned:
        cleaned["title"] = " ".join((cleaned["title"] or "").split())
        if not cleaned["title"]:
            errors.setdefault("title", []).append(_("A study needs a title."))
    if cleaned.get("year") is not None:
        this_year = timezone.localdate().year
        if not 1900 <= int(cleaned["year"]) <= this_year:
            errors.setdefault("year", []).append(
                _("The year must lie between 1900 and %(year)d.") % {"year": this_year}
            )
    for name, choices in (
        ("publication_type", PublicationType.values),
        ("design", [*Design.values, ""]),
    ):
        if name in cleaned and cleaned[name] not in choices:
            errors.setdefault(name, []).append(
                _("%(value)s is not a valid choice.") % {"value": cleaned[name]}
            )
    for name, choices in LIST_FIELDS.items():
        if name not in cleaned:
            continue
        items = cleaned[name]
        if isinstance(items, str):
            items = [item for item in items.split(";") if item.strip()]
        items = [str(item).strip() for item in items]
        if name == "countries":
            items = [item.upper() for item in items]
            unknown = [item for item in items if item not in ALPHA2]
        else:
            unknown = [item for item in items if item not in choices]
        if unknown:
            errors.setdefault(name, []).append(
                _("Not valid here: %(codes)s.") % {"codes": ", ".join(unknown)}
            )
        cleaned[name] = codes_to_db(items)
    if "doi" in cleaned:
        cleaned["doi"] = normalise_doi(cleaned["doi"])
        if cleaned["doi"] and not DOI_PATTERN.match(cleaned["doi"]):
            errors.setdefault("doi", []).append(
                _("%(value)s is not a DOI (it starts with 10. and has a slash).")
                % {"value": cleaned["doi"][:80]}
            )
    if cleaned.get("url"):
        try:
            URLValidator(schemes=["http", "https"])(cleaned["url"])
        except ValidationError:
            errors.setdefault("url", []).append(_("Not a web address (http:// or https://)."))
    if cleaned.get("sample_size") is not None and int(cleaned["sample_size"]) < 0:
        errors.setdefault("sample_size", []).append(_("A sample size cannot be negative."))
    for name in ("authors", "venue", "methods", "abstract", "sample_description", "note", "url"):
        if name in cleaned and cleaned[name] is None:
            cleaned[name] = ""
    if errors:
        raise ValidationError(errors)
    return cleaned


def _audit(origin: Origin, action: str, study: Study, **detail) -> None:
    audit_write(
        origin=origin,
        action=action,
        object_type="study",
        object_ref=str(study.uuid),
        organisation_code=study.organisation.code,
        detail=detail,
    )


def study_create(
    *,
    origin: Origin,
    organisation: Organisation,
    ref: str = "",
    import_batch: ImportBatch | None = None,
    audit: bool = True,
    **values,
) -> Study:
    """Add a study to the library of ``organisation`` (an implementer or a country project)."""
    if organisation.kind not in OWNER_KINDS:
        raise ValidationError(
            {"organisation": _("A study belongs to an implementer or a country project.")}
        )
    unknown = set(values) - set(STUDY_FIELDS)
    if unknown:
        raise TypeError(f"unknown study fields: {sorted(unknown)}")
    cleaned = _clean({"title": values.get("title", ""), **values})
    if ref and Study.objects.filter(organisation=organisation, ref=ref).exists():
        raise ValidationError({"ref": _("%(ref)s is already used in this library.") % {"ref": ref}})
    study = Study(
        organisation=organisation,
        ref=ref,
        created_by=origin.user,
        import_batch=import_batch,
        **cleaned,
    )
    study.save()
    if audit:
        _audit(origin, Action.CREATE, study)
    return study


def study_update(
    *,
    origin: Origin,
    study: Study,
    import_batch: ImportBatch | None = None,
    audit: bool = True,
    **changes,
) -> Study:
    unknown = set(changes) - set(STUDY_FIELDS) - {"organisation"}
    if unknown:
        raise TypeError(f"unknown study fields: {sorted(unknown)}")
    if "organisation" in changes and changes["organisation"].kind not in OWNER_KINDS:
        raise ValidationError(
            {"organisation": _("A study belongs to an implementer or a country project.")}
        )
    cleaned = _clean(changes)
    changed = sorted(name for name, value in cleaned.items() if getattr(study, name) != value)
    for name, value in cleaned.items():
        setattr(study, name, value)
    if import_batch is not None and changed:
        study.import_batch = import_batch
    study.save()
    if audit and changed:
        _audit(origin, Action.CHANGE, study, fields=changed)
    return study


def appraisal_record(
    *,
    origin: Origin,
    study: Study,
    tool: str,
    design: str = "",
    quantitative_component: str = "",
    appraised_on: dt.date,
    answers: dict[str, tuple[str, str]],
    comment: str = "",
) -> Appraisal:
    """Record one reviewer's appraisal: every criterion of the tool (and design) answered
    yes / no / can't tell, each with its reason. No score is computed or stored."""
    if tool == Tool.CASP:
        design, quantitative_component = Design.QUALITATIVE, ""
    if design != Design.MIXED:
        quantitative_component = ""
    try:
        criteria = criteria_for(tool, design, quantitative_component)
    except CriteriaError as exc:
        raise ValidationError({"design": str(exc)}) from exc
    errors: dict[str, list[str]] = {}
    if appraised_on is None:
        errors["appraised_on"] = [_("The date of the appraisal is required.")]
    elif appraised_on > timezone.localdate():
        errors["appraised_on"] = [_("The date of the appraisal cannot be in the future.")]
    expected = [criterion.code for criterion in criteria]
    extra = sorted(set(answers) - set(expected))
    if extra:
        errors["__all__"] = [
            _("Not criteria of this appraisal: %(codes)s.") % {"codes": ", ".join(extra)}
        ]
    for code in expected:
        answer, reason = answers.get(code, ("", ""))
        if answer not in Answer.values:
            errors.setdefault(code, []).append(_("Answer yes, no or can't tell."))
        if not (reason or "").strip():
            errors.setdefault(code, []).append(_("Write the reason for this answer."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        appraisal = Appraisal.objects.create(
            study=study,
            tool=tool,
            design=design,
            quantitative_component=quantitative_component,
            appraiser=origin.user,
            appraised_on=appraised_on,
            comment=comment.strip(),
        )
        AppraisalAnswer.objects.bulk_create(
            AppraisalAnswer(
                appraisal=appraisal,
                criterion=code,
                answer=answers[code][0],
                reason=answers[code][1].strip(),
            )
            for code in expected
        )
        _audit(
            origin,
            Action.CREATE,
            study,
            what="appraisal",
            appraisal=appraisal.pk,
            tool=tool,
            design=design,
        )
    return appraisal
