"""Writes of `cases`. Each validates, saves, appends a CaseEvent and writes the audit entry.

Audit details never carry PII: changed PII fields are named, their values are not.
"""

import datetime as dt
import secrets

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ctip.cases.models import (
    CaseEvent,
    CaseEventType,
    CaseStatus,
    ClosedReason,
    Consent,
    Exploitation,
    Need,
    NeedStatus,
    StatedInterest,
    Survivor,
    exploitation_to_db,
)
from ctip.core.audit import Action, Origin, audit_write
from ctip.core.models import ImportBatch, Organisation, OrganisationKind, User

# Readable and unambiguous when read aloud or copied by hand: no 0/O, 1/I/L, U.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
PII_FIELDS = ("given_name", "family_name", "phone", "address", "notes")
PROFILE_FIELDS = (
    "sex",
    "birth_year",
    "nationality",
    "exploitation",
    "identified_on",
    "identifying_agency",
    "case_worker",
) + PII_FIELDS


def survivor_code_new(country: str) -> str:
    body = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"{(country or 'XX').upper()}-{body[:4]}-{body[4:]}"


def _event(survivor: Survivor, type_: str, origin: Origin, **data) -> CaseEvent:
    return CaseEvent.objects.create(survivor=survivor, type=type_, by=origin.user, data=data)


def _audit(origin: Origin, action: str, survivor: Survivor, **detail) -> None:
    audit_write(
        origin=origin,
        action=action,
        object_type="survivor",
        object_ref=survivor.code,
        organisation_code=survivor.organisation.code,
        detail=detail,
    )


def _validate_profile(values: dict, organisation: Organisation) -> None:
    errors = {}
    year = values.get("birth_year")
    this_year = timezone.localdate().year
    if year is not None and not (1900 <= year <= this_year):
        errors["birth_year"] = _("%(year)s is not a plausible birth year.") % {"year": year}
    identified = values.get("identified_on")
    if identified and identified > timezone.localdate():
        errors["identified_on"] = _("%(date)s is in the future.") % {"date": identified}
    forms = values.get("exploitation") or []
    unknown = [f for f in forms if f not in Exploitation.values]
    if unknown:
        errors["exploitation"] = _("Unknown form of exploitation: %(forms)s.") % {
            "forms": ", ".join(unknown)
        }
    worker = values.get("case_worker")
    if worker is not None and not (
        worker.organisation_id and worker.organisation.path.startswith(organisation.path)
    ):
        errors["case_worker"] = _("The case worker must belong to the owning organisation.")
    if organisation.kind not in (OrganisationKind.PARTNER, OrganisationKind.SITE):
        errors["organisation"] = _("Survivors are registered by a partner organisation or site.")
    if errors:
        raise ValidationError(errors)


def _survivor_build(
    *,
    origin: Origin,
    organisation: Organisation,
    sex: str,
    birth_year: int | None = None,
    nationality: str = "",
    exploitation: list[str] | None = None,
    identified_on: dt.date | None = None,
    identifying_agency: Organisation | None = None,
    case_worker: User | None = None,
    opened_on: dt.date | None = None,
    given_name: str = "",
    family_name: str = "",
    phone: str = "",
    address: str = "",
    notes: str = "",
    ref: str | None = None,
    import_batch: ImportBatch | None = None,
) -> Survivor:
    """Validate and build (not save) a new survivor with its blind indexes; no code yet."""
    values = {
        "birth_year": birth_year,
        "identified_on": identified_on,
        "exploitation": exploitation or [],
        "case_worker": case_worker,
    }
    _validate_profile(values, organisation)
    survivor = Survivor(
        organisation=organisation,
        created_by=origin.user,
        ref=ref or "",
        sex=sex,
        birth_year=birth_year,
        nationality=(nationality or "").upper(),
        exploitation=exploitation_to_db(exploitation or []),
        identified_on=identified_on,
        identifying_agency=identifying_agency,
        case_worker=case_worker,
        opened_on=opened_on or identified_on or timezone.localdate(),
        given_name=given_name.strip(),
        family_name=family_name.strip(),
        phone=phone.strip(),
        address=address.strip(),
        notes=notes,
        import_batch=import_batch,
    )
    for column, value in survivor.blind_index_values().items():
        setattr(survivor, column, value)
    return survivor


@transaction.atomic
def survivor_register(
    *,
    origin: Origin,
    organisation: Organisation,
    sex: str,
    birth_year: int | None = None,
    nationality: str = "",
    exploitation: list[str] | None = None,
    identified_on: dt.date | None = None,
    identifying_agency: Organisation | None = None,
    case_worker: User | None = None,
    opened_on: dt.date | None = None,
    given_name: str = "",
    family_name: str = "",
    phone: str = "",
    address: str = "",
    notes: str = "",
    ref: str | None = None,
    import_batch: ImportBatch | None = None,
    audit: bool = True,
) -> Survivor:
    """Register a survivor under a fresh pseudonymous code."""
    survivor = _survivor_build(
        origin=origin,
        organisation=organisation,
        sex=sex,
        birth_year=birth_year,
        nationality=nationality,
        exploitation=exploitation,
        identified_on=identified_on,
        identifying_agency=identifying_agency,
        case_worker=case_worker,
        opened_on=opened_on,
        given_name=given_name,
        family_name=family_name,
        phone=phone,
        address=address,
        notes=notes,
        ref=ref,
        import_batch=import_batch,
    )
    country = organisation.country_code()
    for _attempt in range(5):
        survivor.code = survivor_code_new(country)
        try:
            with transaction.atomic():
                survivor.save()
            break
        except IntegrityError:
            if Survivor.objects.filter(code=survivor.code).exists():
                continue  # a code collision, vanishingly rare: draw again
            raise
    _event(survivor, CaseEventType.REGISTERED, origin)
    if audit:
        _audit(origin, Action.CREATE, survivor)
    return survivor


class BulkValidationError(ValidationError):
    """Problems of a bulk write, by the index of the entry they belong to; nothing was saved."""

    def __init__(self, by_index: dict[int, ValidationError]):
        self.by_index = by_index
        super().__init__([message for exc in by_index.values() for message in exc.messages])


def _insert_with_fresh_codes(survivors: list[Survivor], countries: dict[int, str]) -> None:
    """One INSERT for the chunk; codes already taken (vanishingly rare) are drawn again first."""
    for _attempt in range(5):
        taken = set(
            Survivor.objects.filter(code__in=[s.code for s in survivors]).values_list(
                "code", flat=True
            )
        )
        seen: set[str] = set()
        for survivor in survivors:
            while survivor.code in taken or survivor.code in seen:
                survivor.code = survivor_code_new(countries[survivor.organisation_id])
            seen.add(survivor.code)
        try:
            with transaction.atomic():
                Survivor.objects.bulk_create(survivors)
            return
        except IntegrityError:
            if not Survivor.objects.filter(code__in=list(seen)).exists():
                raise  # not a code collision (e.g. a ref registered meanwhile)
    raise IntegrityError("could not draw unused survivor codes")


@transaction.atomic
def survivors_bulk_register(
    *,
    origin: Origin,
    entries: list[dict],
    import_batch: ImportBatch | None = None,
    chunk_size: int = 500,
) -> list[Survivor]:
    """Register many survivors at once (imports): `survivor_register` in a few INSERTs.

    Each entry holds `survivor_register`'s keyword arguments (organisation, sex, birth_year, …).
    The same checks, code generation, blind indexes and REGISTERED events apply; no audit entry
    is written per survivor (the caller writes one for the batch). Any invalid entry raises
    `BulkValidationError` and nothing is saved.
    """
    survivors, errors = [], {}
    for index, entry in enumerate(entries):
        try:
            survivors.append(_survivor_build(origin=origin, import_batch=import_batch, **entry))
        except ValidationError as exc:
            errors[index] = exc
    if errors:
        raise BulkValidationError(errors)
    countries: dict[int, str] = {}
    for survivor in survivors:
        if survivor.organisation_id not in countries:
            countries[survivor.organisation_id] = survivor.organisation.country_code()
        survivor.code = survivor_code_new(countries[survivor.organisation_id])
    for start in range(0, len(survivors), chunk_size):
        _insert_with_fresh_codes(survivors[start : start + chunk_size], countries)
    CaseEvent.objects.bulk_create(
        [CaseEvent(survivor=s, type=CaseEventType.REGISTERED, by=origin.user) for s in survivors],
        batch_size=chunk_size,
    )
    return survivors


@transaction.atomic
def survivor_update(
    *,
    origin: Origin,
    survivor: Survivor,
    import_batch: ImportBatch | None = None,
    audit: bool = True,
    **changes,
) -> list[str]:
    """Apply profile changes; return the names of the fields that really changed."""
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"not profile fields: {sorted(unknown)}")
    if "exploitation" in changes:
        forms = changes["exploitation"] or []
        _validate_profile({"exploitation": forms}, survivor.organisation)
        changes["exploitation"] = exploitation_to_db(forms)
    _validate_profile(
        {
            "birth_year": changes.get("birth_year"),
            "identified_on": changes.get("identified_on"),
            "case_worker": changes.get("case_worker"),
        },
        survivor.organisation,
    )
    if "nationality" in changes:
        changes["nationality"] = (changes["nationality"] or "").upper()
    changed = []
    for name, value in changes.items():
        if isinstance(value, str) and name in PII_FIELDS and name != "notes":
            value = value.strip()
        if getattr(survivor, name) != value:
            setattr(survivor, name, value)
            changed.append(name)
    if not changed:
        return []
    update_fields = [Survivor._meta.get_field(name).attname for name in changed]
    update_fields.append("modified_at")
    if set(changed) & set(PII_FIELDS):
        for column, value in survivor.blind_index_values().items():
            setattr(survivor, column, value)
            update_fields.append(column)
    if import_batch is not None:
        survivor.import_batch = import_batch
        update_fields.append("import_batch")
    survivor.save(update_fields=update_fields)
    _event(survivor, CaseEventType.PROFILE_CHANGED, origin, fields=changed)
    if audit:
        _audit(origin, Action.CHANGE, survivor, fields=changed)
    return changed


def survivor_view_record(*, origin: Origin, survivor: Survivor) -> None:
    """Every read of a survivor's record leaves an audit entry."""
    _audit(origin, Action.VIEW, survivor)


@transaction.atomic
def consent_record(
    *,
    origin: Origin,
    survivor: Survivor,
    purpose: str,
    given: bool,
    decided_on: dt.date,
    note: str = "",
) -> Consent:
    if decided_on > timezone.localdate():
        raise ValidationError({"decided_on": _("The date of consent cannot be in the future.")})
    consent = Consent.objects.create(
        survivor=survivor,
        purpose=purpose,
        given=given,
        decided_on=decided_on,
        recorded_by=origin.user,
        note=note,
    )
    _event(survivor, CaseEventType.CONSENT_RECORDED, origin, purpose=purpose, given=given)
    _audit(origin, Action.CHANGE, survivor, consent=purpose, given=given)
    return consent


def _need_build(
    *,
    origin: Origin,
    survivor: Survivor,
    category: str,
    assessed_on: dt.date,
    status: str = NeedStatus.OPEN,
    notes: str = "",
    ref: str | None = None,
    import_batch: ImportBatch | None = None,
    validate_unique: bool = True,
) -> Need:
    """Validate and build (not save) a need of ``survivor``."""
    if assessed_on > timezone.localdate():
        raise ValidationError({"assessed_on": _("The assessment date cannot be in the future.")})
    need = Need(
        survivor=survivor,
        organisation=survivor.organisation,
        created_by=origin.user,
        category=category,
        assessed_on=assessed_on,
        status=status,
        notes=notes,
        ref=ref or "",
        import_batch=import_batch,
    )
    need.full_clean(
        exclude=["survivor", "organisation", "created_by", "import_batch"],
        validate_unique=validate_unique,
    )
    return need


@transaction.atomic
def need_assess(
    *,
    origin: Origin,
    survivor: Survivor,
    category: str,
    assessed_on: dt.date,
    status: str = NeedStatus.OPEN,
    notes: str = "",
    ref: str | None = None,
    import_batch: ImportBatch | None = None,
    audit: bool = True,
) -> Need:
    need = _need_build(
        origin=origin,
        survivor=survivor,
        category=category,
        assessed_on=assessed_on,
        status=status,
        notes=notes,
        ref=ref,
        import_batch=import_batch,
    )
    need.save()
    _event(survivor, CaseEventType.NEED_ASSESSED, origin, category=category, need=str(need.uuid))
    if audit:
        _audit(origin, Action.CREATE, survivor, need=str(need.uuid), category=category)
    return need


@transaction.atomic
def needs_bulk_assess(
    *,
    origin: Origin,
    entries: list[dict],
    import_batch: ImportBatch | None = None,
    chunk_size: int = 500,
) -> list[Need]:
    """Record many assessed needs at once (imports): `need_assess` in a few INSERTs.

    Each entry holds `need_assess`'s keyword arguments (survivor, category, assessed_on, …).
    The same checks and NEED_ASSESSED events apply; uniqueness is left to the database's
    constraints rather than one query per need; no audit entry per need (the caller writes one).
    Any invalid entry raises `BulkValidationError` and nothing is saved.
    """
    needs, errors = [], {}
    for index, entry in enumerate(entries):
        try:
            needs.append(
                _need_build(
                    origin=origin, import_batch=import_batch, validate_unique=False, **entry
                )
            )
        except ValidationError as exc:
            errors[index] = exc
    if errors:
        raise BulkValidationError(errors)
    Need.objects.bulk_create(needs, batch_size=chunk_size)
    CaseEvent.objects.bulk_create(
        [
            CaseEvent(
                survivor_id=need.survivor_id,
                type=CaseEventType.NEED_ASSESSED,
                by=origin.user,
                data={"category": need.category, "need": str(need.uuid)},
            )
            for need in needs
        ],
        batch_size=chunk_size,
    )
    return needs


@transaction.atomic
def need_update(
    *,
    origin: Origin,
    need: Need,
    audit: bool = True,
    import_batch: ImportBatch | None = None,
    **changes,
) -> list[str]:
    allowed = {"category", "assessed_on", "status", "notes", "survivor"}
    if set(changes) - allowed:
        raise TypeError(f"not need fields: {sorted(set(changes) - allowed)}")
    changed = [name for name, value in changes.items() if getattr(need, name) != value]
    if not changed:
        return []
    for name in changed:
        setattr(need, name, changes[name])
    if import_batch is not None:
        need.import_batch = import_batch
    need.full_clean(exclude=["survivor", "organisation", "created_by", "import_batch"])
    need.save()
    _event(
        need.survivor,
        CaseEventType.NEED_STATUS_CHANGED,
        origin,
        need=str(need.uuid),
        fields=changed,
        status=need.status,
    )
    if audit:
        _audit(origin, Action.CHANGE, need.survivor, need=str(need.uuid), fields=changed)
    return changed


@transaction.atomic
def interest_state(
    *, origin: Origin, survivor: Survivor, interest: str, stated_on: dt.date, detail: str = ""
) -> StatedInterest:
    stated = StatedInterest.objects.create(
        survivor=survivor,
        interest=interest,
        stated_on=stated_on,
        detail=detail,
        recorded_by=origin.user,
    )
    _event(survivor, CaseEventType.INTEREST_STATED, origin, interest=interest)
    _audit(origin, Action.CHANGE, survivor, interest=interest)
    return stated


@transaction.atomic
def case_close(*, origin: Origin, survivor: Survivor, reason: str, closed_on: dt.date) -> None:
    if reason not in ClosedReason.values:
        raise ValidationError({"reason": _("Choose why the case is closed.")})
    if closed_on < survivor.opened_on:
        raise ValidationError({"closed_on": _("A case cannot close before it opened.")})
    if closed_on > timezone.localdate():
        raise ValidationError({"closed_on": _("The closing date cannot be in the future.")})
    survivor.status = CaseStatus.CLOSED
    survivor.closed_reason = reason
    survivor.closed_on = closed_on
    survivor.save(update_fields=["status", "closed_reason", "closed_on", "modified_at"])
    _event(survivor, CaseEventType.CLOSED, origin, reason=reason, on=closed_on.isoformat())
    _audit(origin, Action.CHANGE, survivor, status="closed", reason=reason)


@transaction.atomic
def case_reopen(*, origin: Origin, survivor: Survivor) -> None:
    survivor.status = CaseStatus.OPEN
    survivor.closed_reason = ""
    survivor.closed_on = None
    survivor.save(update_fields=["status", "closed_reason", "closed_on", "modified_at"])
    _event(survivor, CaseEventType.REOPENED, origin)
    _audit(origin, Action.CHANGE, survivor, status="open")


@transaction.atomic
def survivor_erase_pii(*, origin: Origin, survivor: Survivor) -> None:
    """Destroy the survivor's PII on request; codes, dates and needs stay for the aggregates."""
    for name in PII_FIELDS:
        setattr(survivor, name, "")
    for column in survivor.blind_index_values():
        setattr(survivor, column, "")
    survivor.pii_erased_on = timezone.now()
    survivor.save()
    survivor.consents.update(note="")
    survivor.needs.update(notes="")
    survivor.interests.update(detail="")
    _event(survivor, CaseEventType.PII_ERASED, origin)
    _audit(origin, Action.ERASE, survivor)
