"""Writes of `services`. Each validates, saves, appends its event rows (`CaseEvent`,
`ReferralEvent`) and writes the audit entry. Audit details never carry PII.

The counting rule lives in the catalogue (`ServiceType.counts_as_service`); here it shows as the
one rule every write enforces: an episode or referral of a type that counts must answer a need
of the survivor, of the category the type meets. One-off support needs no need and never counts.
"""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ctip.cases.models import (
    CaseEvent,
    CaseEventType,
    CaseStatus,
    Need,
    NeedStatus,
    Survivor,
)
from ctip.cases.selectors import consent_is_given, consents_in_force
from ctip.core.audit import Action, Origin, audit_write
from ctip.core.models import ImportBatch, Organisation, OrganisationKind, User
from ctip.services.bulk import insert_rows
from ctip.services.models import (
    REFERRAL_TRANSITIONS,
    BusinessSupport,
    CaseTransfer,
    DiscontinuedReason,
    EpisodeStatus,
    JobPlacement,
    ProjectServiceSettings,
    Referral,
    ReferralEvent,
    ReferralReason,
    ReferralStatus,
    ServiceEpisode,
    ServiceType,
    SkillsTraining,
    TransferReason,
    TransferStatus,
)
from ctip.services.selectors import (
    LIVELIHOOD_TYPES,
    OPEN_REFERRAL_STATUSES,
    same_tree,
)

# Statuses that need a reason, and the side that may set each status.
REASON_REQUIRED = {
    ReferralStatus.DECLINED,
    ReferralStatus.NOT_REACHED,
    ReferralStatus.WITHDRAWN,
}
SENDER, RECEIVER = "sender", "receiver"
RECEIVER_STATUSES = {
    ReferralStatus.ACCEPTED,
    ReferralStatus.DECLINED,
    ReferralStatus.SERVICE_STARTED,
    ReferralStatus.COMPLETED,
    ReferralStatus.NOT_REACHED,
}


def _case_event(survivor_id: int, type_: str, origin: Origin, **data) -> CaseEvent:
    return CaseEvent.objects.create(survivor_id=survivor_id, type=type_, by=origin.user, data=data)


def _audit(origin: Origin, action: str, survivor: Survivor, organisation_code: str = "", **detail):
    audit_write(
        origin=origin,
        action=action,
        object_type="survivor",
        object_ref=survivor.code,
        organisation_code=organisation_code or survivor.organisation.code,
        detail=detail,
    )


def _today() -> dt.date:
    return timezone.localdate()


# --- the need rule ------------------------------------------------------------------------------


def check_need(
    *, survivor: Survivor, service_type: ServiceType, need: Need | None, field: str = "need"
) -> dict:
    """The counting rule's first half: errors (by field) when the need does not fit."""
    errors = {}
    if need is not None and need.survivor_id != survivor.pk:
        errors[field] = _("This need belongs to another survivor.")
    elif service_type.counts_as_service and need is None:
        errors[field] = _(
            "%(type)s counts as a service, so it must answer one of the survivor's assessed "
            "needs (%(category)s). Assess the need first, or record a one-off support instead."
        ) % {"type": service_type.name, "category": service_type.get_category_display()}
    elif service_type.counts_as_service and need.category != service_type.category:
        errors[field] = _("%(type)s meets %(category)s needs; the need chosen is %(need)s.") % {
            "type": service_type.name,
            "category": service_type.get_category_display(),
            "need": need.get_category_display(),
        }
    return errors


# --- episodes -----------------------------------------------------------------------------------


def _episode_build(
    *,
    origin: Origin,
    survivor: Survivor,
    service_type: ServiceType,
    provider: Organisation,
    started_on: dt.date,
    need: Need | None = None,
    ended_on: dt.date | None = None,
    status: str = EpisodeStatus.ONGOING,
    discontinued_reason: str = "",
    sessions: int | None = None,
    notes: str = "",
    ref: str | None = None,
    import_batch: ImportBatch | None = None,
    allow_retired: bool = False,
) -> ServiceEpisode:
    """Validate and build (not save) an episode of ``survivor``."""
    errors = check_need(survivor=survivor, service_type=service_type, need=need)
    errors |= _episode_checks(
        service_type=service_type,
        provider=provider,
        survivor=survivor,
        started_on=started_on,
        ended_on=ended_on,
        status=status,
        discontinued_reason=discontinued_reason,
        sessions=sessions,
        allow_retired=allow_retired,
    )
    if errors:
        raise ValidationError(errors)
    # Ids, not instances: imports pass light stand-ins for survivors and needs (no query each).
    return ServiceEpisode(
        survivor_id=survivor.pk,
        organisation_id=survivor.organisation_id,
        created_by=origin.user,
        service_type=service_type,
        provider=provider,
        need_id=need.pk if need is not None else None,
        ref=ref or "",
        started_on=started_on,
        ended_on=ended_on,
        status=status,
        discontinued_reason=discontinued_reason,
        sessions=sessions,
        notes=notes,
        import_batch=import_batch,
    )


EPISODE_STATUSES = frozenset(EpisodeStatus.values)
DISCONTINUED_REASONS = frozenset(DiscontinuedReason.values)


def _episode_checks(
    *,
    service_type,
    provider,
    survivor,
    started_on,
    ended_on,
    status,
    discontinued_reason,
    sessions,
    allow_retired,
    today: dt.date | None = None,
) -> dict:
    errors = {}
    today = today or _today()
    if not service_type.active and not allow_retired:
        errors["service_type"] = _("%(type)s is retired from the catalogue.") % {
            "type": service_type.name
        }
    if provider is not None and not same_tree(provider, survivor.organisation):
        errors["provider"] = _("This provider is not in your programme's directory.")
    if started_on > today:
        errors["started_on"] = _("An episode cannot start in the future.")
    if ended_on is not None:
        if ended_on < started_on:
            errors["ended_on"] = _("An episode cannot end before it started.")
        elif ended_on > today:
            errors["ended_on"] = _("The end date cannot be in the future.")
    if status not in EPISODE_STATUSES:
        errors["status"] = _("Unknown status.")
    elif status == EpisodeStatus.ONGOING and ended_on is not None:
        errors["ended_on"] = _("An ongoing episode has no end date; close it instead.")
    elif status != EpisodeStatus.ONGOING and ended_on is None:
        errors["ended_on"] = _("A completed or discontinued episode needs its end date.")
    if discontinued_reason and discontinued_reason not in DISCONTINUED_REASONS:
        errors["discontinued_reason"] = _("Unknown reason.")
    if sessions is not None and sessions < 0:
        errors["sessions"] = _("Sessions cannot be negative.")
    return errors


def episode_problems(
    *,
    survivor: Survivor,
    service_type: ServiceType,
    provider: Organisation,
    need: Need | None,
    started_on: dt.date,
    ended_on: dt.date | None,
    status: str,
    discontinued_reason: str = "",
    today: dt.date | None = None,
) -> dict:
    """What `episode_record` would refuse in these values (by field), without building it.
    Imports use it to list every problem of a file in one run; retired types are accepted."""
    errors = check_need(survivor=survivor, service_type=service_type, need=need)
    return errors | _episode_checks(
        service_type=service_type,
        provider=provider,
        survivor=survivor,
        started_on=started_on,
        ended_on=ended_on,
        status=status,
        discontinued_reason=discontinued_reason,
        sessions=None,
        allow_retired=True,
        today=today,
    )


@transaction.atomic
def episode_record(
    *,
    origin: Origin,
    survivor: Survivor,
    service_type: ServiceType,
    provider: Organisation,
    started_on: dt.date,
    need: Need | None = None,
    ended_on: dt.date | None = None,
    status: str = EpisodeStatus.ONGOING,
    discontinued_reason: str = "",
    sessions: int | None = None,
    notes: str = "",
    ref: str | None = None,
    import_batch: ImportBatch | None = None,
    audit: bool = True,
) -> ServiceEpisode:
    """Record a service episode: one survivor × one service type × one provider.

    Types that count need a need of the survivor in the category they meet; one-off support is
    recorded without one (and never counted).
    """
    episode = _episode_build(
        origin=origin,
        survivor=survivor,
        service_type=service_type,
        provider=provider,
        started_on=started_on,
        need=need,
        ended_on=ended_on,
        status=status,
        discontinued_reason=discontinued_reason,
        sessions=sessions,
        notes=notes,
        ref=ref,
        import_batch=import_batch,
    )
    episode.survivor = survivor
    if need is not None:
        episode.need = need
    episode.save()
    _case_event(
        survivor.pk,
        CaseEventType.EPISODE_RECORDED,
        origin,
        episode=str(episode.uuid),
        service_type=service_type.code,
        counted=service_type.counts_as_service,
    )
    if audit:
        _audit(
            origin,
            Action.CREATE,
            survivor,
            episode=str(episode.uuid),
            service_type=service_type.code,
        )
    return episode


@transaction.atomic
def episodes_bulk_record(
    *,
    origin: Origin,
    entries: list[dict],
    import_batch: ImportBatch | None = None,
    chunk_size: int = 2000,
) -> list[ServiceEpisode]:
    """Record many episodes at once (imports): `episode_record` in a few INSERTs.

    The same checks and EPISODE_RECORDED events apply; no audit entry per episode (the caller
    writes one for the batch). Retired service types are accepted (old records). Any invalid
    entry raises `BulkValidationError` and nothing is saved.
    """
    from ctip.cases.services import BulkValidationError

    episodes, errors = [], {}
    for index, entry in enumerate(entries):
        try:
            episodes.append(
                _episode_build(
                    origin=origin, import_batch=import_batch, allow_retired=True, **entry
                )
            )
        except ValidationError as exc:
            errors[index] = exc
    if errors:
        raise BulkValidationError(errors)
    ServiceEpisode.objects.bulk_create(episodes, batch_size=chunk_size)
    CaseEvent.objects.bulk_create(
        [
            CaseEvent(
                survivor_id=episode.survivor_id,
                type=CaseEventType.EPISODE_RECORDED,
                by=origin.user,
                data={
                    "episode": str(episode.uuid),
                    "service_type": entry["service_type"].code,
                    "counted": entry["service_type"].counts_as_service,
                },
            )
            for episode, entry in zip(episodes, entries, strict=True)
        ],
        batch_size=chunk_size,
    )
    return episodes


def _imported_events(origin: Origin, counts: dict[int, int], key: str, batch) -> None:
    """One IMPORTED history row per survivor an import touched (not one per record: the
    records themselves point to their import batch)."""
    data = {"import_batch": str(batch.uuid)} if batch is not None else {}
    user_id = getattr(origin.user, "pk", None)
    insert_rows(
        CaseEvent,
        ["survivor_id", "type", "by_id", "data"],
        (
            (survivor_id, CaseEventType.IMPORTED, user_id, data | {key: count})
            for survivor_id, count in counts.items()
        ),
    )


EPISODE_IMPORT_COLUMNS = [
    "survivor_id", "organisation_id", "created_by_id", "service_type_id", "provider_id",
    "need_id", "ref", "started_on", "ended_on", "status", "discontinued_reason",
    "import_batch_id",
]  # fmt: skip


@transaction.atomic
def episodes_bulk_import(
    *,
    origin: Origin,
    entries: list[dict],
    import_batch: ImportBatch | None = None,
    checked: bool = False,
) -> int:
    """Write many new episodes fast (`ctip import services`): `insert_rows`, no model objects.

    Each entry: survivor, service_type, provider, need, started_on, ended_on, status, ref
    (survivor and need may be light stand-ins with `pk`, `organisation_id`/`survivor_id`,
    `category`). The rules of `episode_record` apply (``checked``: the caller already ran
    `episode_problems` on every entry); any invalid entry raises `BulkValidationError` and
    nothing is saved. History: one IMPORTED case event per survivor; no audit entry per
    episode (the caller writes one for the batch). Returns how many were written.
    """
    from ctip.cases.services import BulkValidationError

    if not checked:
        errors = {}
        for index, entry in enumerate(entries):
            problems = episode_problems(**entry_checks(entry))
            if problems:
                errors[index] = ValidationError(problems)
        if errors:
            raise BulkValidationError(errors)
    user_id = getattr(origin.user, "pk", None)
    batch_id = import_batch.pk if import_batch is not None else None
    counts: dict[int, int] = {}
    for entry in entries:
        survivor_id = entry["survivor"].pk
        counts[survivor_id] = counts.get(survivor_id, 0) + 1
    written = insert_rows(
        ServiceEpisode,
        EPISODE_IMPORT_COLUMNS,
        (
            (
                entry["survivor"].pk,
                entry["survivor"].organisation_id,
                user_id,
                entry["service_type"].pk,
                entry["provider"].pk,
                entry["need"].pk if entry.get("need") is not None else None,
                entry.get("ref") or "",
                entry["started_on"],
                entry.get("ended_on"),
                entry["status"],
                entry.get("discontinued_reason", ""),
                batch_id,
            )
            for entry in entries
        ),
    )
    _imported_events(origin, counts, "episodes", import_batch)
    return written


def entry_checks(entry: dict) -> dict:
    """The values of an episode entry that `episode_problems` checks."""
    return {
        "survivor": entry["survivor"],
        "service_type": entry["service_type"],
        "provider": entry["provider"],
        "need": entry.get("need"),
        "started_on": entry["started_on"],
        "ended_on": entry.get("ended_on"),
        "status": entry["status"],
        "discontinued_reason": entry.get("discontinued_reason", ""),
    }


EPISODE_FIELDS = (
    "service_type",
    "provider",
    "need",
    "started_on",
    "ended_on",
    "status",
    "discontinued_reason",
    "sessions",
    "notes",
)


@transaction.atomic
def episode_update(
    *,
    origin: Origin,
    episode: ServiceEpisode,
    import_batch: ImportBatch | None = None,
    audit: bool = True,
    **changes,
) -> list[str]:
    """Change an episode's fields; return the names of those that really changed."""
    unknown = set(changes) - set(EPISODE_FIELDS)
    if unknown:
        raise TypeError(f"not episode fields: {sorted(unknown)}")
    changed = [name for name, value in changes.items() if getattr(episode, name) != value]
    if not changed:
        return []
    values = {name: changes.get(name, getattr(episode, name)) for name in EPISODE_FIELDS}
    survivor = episode.survivor
    errors = check_need(survivor=survivor, service_type=values["service_type"], need=values["need"])
    errors |= _episode_checks(
        service_type=values["service_type"],
        provider=values["provider"],
        survivor=survivor,
        started_on=values["started_on"],
        ended_on=values["ended_on"],
        status=values["status"],
        discontinued_reason=values["discontinued_reason"],
        sessions=values["sessions"],
        allow_retired="service_type" not in changed,
    )
    if errors:
        raise ValidationError(errors)
    for name in changed:
        setattr(episode, name, changes[name])
    if import_batch is not None:
        episode.import_batch = import_batch
    episode.save()
    _case_event(
        survivor.pk,
        CaseEventType.EPISODE_CHANGED,
        origin,
        episode=str(episode.uuid),
        fields=changed,
    )
    if audit:
        _audit(origin, Action.CHANGE, survivor, episode=str(episode.uuid), fields=changed)
    return changed


@transaction.atomic
def episode_close(
    *,
    origin: Origin,
    episode: ServiceEpisode,
    status: str,
    ended_on: dt.date,
    discontinued_reason: str = "",
    audit: bool = True,
) -> ServiceEpisode:
    """Close an ongoing episode: completed, or discontinued with a reason."""
    errors = {}
    if episode.status != EpisodeStatus.ONGOING:
        errors["status"] = _("This episode is already closed.")
    elif status not in (EpisodeStatus.COMPLETED, EpisodeStatus.DISCONTINUED):
        errors["status"] = _("Close an episode as completed or discontinued.")
    if status == EpisodeStatus.DISCONTINUED and not discontinued_reason:
        errors["discontinued_reason"] = _("Say why the episode was discontinued.")
    if status == EpisodeStatus.COMPLETED:
        discontinued_reason = ""
    if ended_on < episode.started_on:
        errors["ended_on"] = _("An episode cannot end before it started.")
    elif ended_on > _today():
        errors["ended_on"] = _("The end date cannot be in the future.")
    if discontinued_reason and discontinued_reason not in DiscontinuedReason.values:
        errors["discontinued_reason"] = _("Unknown reason.")
    if errors:
        raise ValidationError(errors)
    episode.status = status
    episode.ended_on = ended_on
    episode.discontinued_reason = discontinued_reason
    episode.save(update_fields=["status", "ended_on", "discontinued_reason", "modified_at"])
    _case_event(
        episode.survivor_id,
        CaseEventType.EPISODE_CLOSED,
        origin,
        episode=str(episode.uuid),
        status=status,
        on=ended_on.isoformat(),
        reason=discontinued_reason,
    )
    if audit:
        _audit(
            origin,
            Action.CHANGE,
            episode.survivor,
            episode=str(episode.uuid),
            status=status,
        )
    return episode


# --- livelihood ---------------------------------------------------------------------------------

LIVELIHOOD_MODELS = {
    "skills_training": SkillsTraining,
    "job_placement": JobPlacement,
    "business_support": BusinessSupport,
}
LIVELIHOOD_FIELDS = {
    "skills_training": ("course", "trade", "completed", "certificate"),
    "job_placement": (
        "employer",
        "role",
        "wage",
        "wage_currency",
        "wage_period",
        "start_date",
        "employed_at_3_months",
        "employed_at_6_months",
    ),
    "business_support": ("business", "grant_amount", "grant_currency", "microfinance_referral"),
}


def _currency(value: str, field: str, errors: dict) -> str:
    value = (value or "").strip().upper()
    if value and (len(value) != 3 or not value.isalpha()):
        errors[field] = _("Use a three-letter currency code, e.g. THB, USD, NPR.")
    return value


@transaction.atomic
def livelihood_record(*, origin: Origin, episode: ServiceEpisode, **details):
    """Record (or change) the livelihood details of a skills training, job placement or
    business support episode."""
    code = episode.service_type.code
    if code not in LIVELIHOOD_TYPES:
        raise ValidationError(
            _("%(type)s has no livelihood details.") % {"type": episode.service_type.name}
        )
    fields = LIVELIHOOD_FIELDS[code]
    unknown = set(details) - set(fields)
    if unknown:
        raise TypeError(f"not {code} fields: {sorted(unknown)}")
    errors = {}
    if code == "job_placement":
        details["wage_currency"] = _currency(
            details.get("wage_currency", ""), "wage_currency", errors
        )
        if details.get("wage") is not None and details["wage"] < 0:
            errors["wage"] = _("A wage cannot be negative.")
        if details.get("wage") is not None and not details["wage_currency"]:
            errors["wage_currency"] = _("Give the wage's currency.")
        start = details.get("start_date")
        if start is None:
            errors["start_date"] = _("Give the start date.")
        elif start > _today():
            errors["start_date"] = _("The start date cannot be in the future.")
        elif start < episode.started_on:
            errors["start_date"] = _("The job cannot start before the episode did.")
        else:
            months = (_today() - start).days / 30.44
            if details.get("employed_at_3_months") is not None and months < 3:
                errors["employed_at_3_months"] = _("Three months have not passed yet.")
            if details.get("employed_at_6_months") is not None and months < 6:
                errors["employed_at_6_months"] = _("Six months have not passed yet.")
    if code == "business_support":
        details["grant_currency"] = _currency(
            details.get("grant_currency", ""), "grant_currency", errors
        )
        amount = details.get("grant_amount")
        if amount is not None and amount < 0:
            errors["grant_amount"] = _("A grant cannot be negative.")
        if amount is not None and not details["grant_currency"]:
            errors["grant_currency"] = _("Give the grant's currency.")
    if errors:
        raise ValidationError(errors)
    model = LIVELIHOOD_MODELS[code]
    record, created = model.objects.update_or_create(episode=episode, defaults=details)
    _case_event(
        episode.survivor_id,
        CaseEventType.LIVELIHOOD_RECORDED,
        origin,
        episode=str(episode.uuid),
        kind=code,
    )
    _audit(
        origin,
        Action.CREATE if created else Action.CHANGE,
        episode.survivor,
        episode=str(episode.uuid),
        livelihood=code,
    )
    return record


@transaction.atomic
def service_settings_set(
    *,
    origin: Origin,
    project: Organisation,
    standard_grant_amount: Decimal | None,
    standard_grant_currency: str,
) -> ProjectServiceSettings:
    """Set a country project's standard business grant (grants that differ get listed)."""
    errors = {}
    if project.kind != OrganisationKind.COUNTRY_PROJECT:
        errors["project"] = _("The standard grant is set per country project.")
    currency = _currency(standard_grant_currency, "standard_grant_currency", errors)
    if standard_grant_amount is not None and standard_grant_amount < 0:
        errors["standard_grant_amount"] = _("A grant cannot be negative.")
    if standard_grant_amount is not None and not currency:
        errors["standard_grant_currency"] = _("Give the grant's currency.")
    if errors:
        raise ValidationError(errors)
    settings, _created = ProjectServiceSettings.objects.update_or_create(
        organisation=project,
        defaults={
            "standard_grant_amount": standard_grant_amount,
            "standard_grant_currency": currency,
        },
    )
    audit_write(
        origin=origin,
        action=Action.CHANGE,
        object_type="service_settings",
        object_ref=project.code,
        organisation_code=project.code,
        detail={
            "standard_grant_amount": str(standard_grant_amount)
            if standard_grant_amount is not None
            else None,
            "standard_grant_currency": currency,
        },
    )
    return settings


# --- referrals ----------------------------------------------------------------------------------


def consent_refusal_message() -> str:
    return _(
        "This survivor has not given consent to be referred (or has withdrawn it). Record the "
        "survivor's referral consent on the case page first: without it ctip will not send a "
        "referral."
    )


def _referral_checks(
    *,
    survivor: Survivor,
    service_type: ServiceType,
    to_provider: Organisation,
    need: Need | None,
    sent_on: dt.date,
    consent_on: dt.date | None,
    allow_retired: bool = False,
) -> dict:
    errors = check_need(survivor=survivor, service_type=service_type, need=need)
    if not service_type.active and not allow_retired:
        errors["service_type"] = _("%(type)s is retired from the catalogue.") % {
            "type": service_type.name
        }
    if to_provider.pk == survivor.organisation_id:
        errors["to_provider"] = _(
            "This is the survivor's own organisation: record an episode instead of a referral."
        )
    elif not same_tree(to_provider, survivor.organisation):
        errors["to_provider"] = _("This provider is not in your programme's directory.")
    if sent_on > _today():
        errors["sent_on"] = _("A referral cannot be sent in the future.")
    if consent_on is None:
        errors["consent_on"] = consent_refusal_message()
    elif consent_on > sent_on:
        errors["sent_on"] = _(
            "The referral consent dates from %(consent)s, after this referral: consent comes first."
        ) % {"consent": consent_on.isoformat()}
    return errors


@transaction.atomic
def referral_send(
    *,
    origin: Origin,
    survivor: Survivor,
    service_type: ServiceType,
    to_provider: Organisation,
    sent_on: dt.date,
    need: Need | None = None,
    note: str = "",
) -> Referral:
    """Refer a survivor to a provider. Refused without the survivor's referral consent in
    force, with a message saying so."""
    if not consent_is_given(survivor, "referral"):
        raise ValidationError({"__all__": consent_refusal_message()})
    consent = consents_in_force(survivor)["referral"]
    errors = _referral_checks(
        survivor=survivor,
        service_type=service_type,
        to_provider=to_provider,
        need=need,
        sent_on=sent_on,
        consent_on=consent.decided_on,
    )
    if errors:
        raise ValidationError(errors)
    referral = Referral.objects.create(
        survivor=survivor,
        organisation_id=survivor.organisation_id,
        created_by=origin.user,
        need=need,
        service_type=service_type,
        to_provider=to_provider,
        consent_on=consent.decided_on,
        sent_on=sent_on,
        status=ReferralStatus.SENT,
        status_on=sent_on,
        note=note,
    )
    ReferralEvent.objects.create(
        referral=referral,
        status=ReferralStatus.SENT,
        on=sent_on,
        by=origin.user,
        by_organisation_id=survivor.organisation_id,
    )
    _case_event(
        survivor.pk,
        CaseEventType.REFERRAL_SENT,
        origin,
        referral=str(referral.uuid),
        service_type=service_type.code,
        to=to_provider.code,
    )
    _audit(
        origin,
        Action.CREATE,
        survivor,
        referral=str(referral.uuid),
        to=to_provider.code,
        service_type=service_type.code,
    )
    return referral


def _episode_for_referral(
    *, origin: Origin, referral: Referral, started_on: dt.date, import_batch=None
) -> ServiceEpisode:
    """The episode a started referral produced: an unlinked one that matches, or a new one."""
    existing = (
        ServiceEpisode.objects.filter(
            survivor_id=referral.survivor_id,
            service_type_id=referral.service_type_id,
            provider_id=referral.to_provider_id,
            started_on=started_on,
            referral__isnull=True,
        )
        .order_by("id")
        .first()
    )
    if existing is not None:
        return existing
    return episode_record(
        origin=origin,
        survivor=referral.survivor,
        service_type=referral.service_type,
        provider=referral.to_provider,
        need=referral.need,
        started_on=started_on,
        import_batch=import_batch,
        audit=False,
    )


@transaction.atomic
def referral_set_status(
    *,
    origin: Origin,
    referral: Referral,
    status: str,
    on: dt.date,
    side: str,
    organisation: Organisation | None,
    reason: str = "",
) -> Referral:
    """Move a referral along its loop (`REFERRAL_TRANSITIONS`), with the date and who set it.

    ``side``: the provider (receiver) answers (accepted, declined, service started, completed,
    not reached); the referring side may record any of them when the provider does not use
    ctip, and alone may withdraw. Service started creates (or links) the episode it produced;
    completed closes that episode.
    """
    errors = {}
    allowed = REFERRAL_TRANSITIONS.get(referral.status, set())
    if status not in ReferralStatus.values:
        errors["status"] = _("Unknown status.")
    elif status not in allowed:
        errors["status"] = _("A referral that is %(current)s cannot become %(new)s.") % {
            "current": referral.get_status_display(),
            "new": ReferralStatus(status).label,
        }
    elif side == RECEIVER and status not in RECEIVER_STATUSES:
        errors["status"] = _("Only the referring organisation can withdraw a referral.")
    if on > _today():
        errors["on"] = _("The date cannot be in the future.")
    elif on < referral.status_on:
        errors["on"] = _("The date cannot be before the referral's last change (%(date)s).") % {
            "date": referral.status_on.isoformat()
        }
    if status in REASON_REQUIRED and not reason:
        errors["reason"] = _("Say why.")
    if reason and reason not in ReferralReason.values:
        errors["reason"] = _("Unknown reason.")
    if errors:
        raise ValidationError(errors)
    previous = referral.status
    referral.status = status
    referral.status_on = on
    fields = ["status", "status_on", "modified_at"]
    if status == ReferralStatus.SERVICE_STARTED:
        referral.service_started_on = on
        if referral.episode_id is None:
            referral.episode = _episode_for_referral(
                origin=origin, referral=referral, started_on=on
            )
        fields += ["service_started_on", "episode"]
    referral.save(update_fields=fields)
    if status == ReferralStatus.COMPLETED and referral.episode_id is not None:
        episode = referral.episode
        if episode.status == EpisodeStatus.ONGOING:
            episode_close(
                origin=origin,
                episode=episode,
                status=EpisodeStatus.COMPLETED,
                ended_on=max(on, episode.started_on),
                audit=False,
            )
    ReferralEvent.objects.create(
        referral=referral,
        status=status,
        on=on,
        by=origin.user,
        by_organisation=organisation,
        reason=reason,
    )
    _case_event(
        referral.survivor_id,
        CaseEventType.REFERRAL_STATUS_CHANGED,
        origin,
        referral=str(referral.uuid),
        status=status,
        previous=previous,
        side=side,
    )
    _audit(
        origin,
        Action.CHANGE,
        referral.survivor,
        organisation_code=organisation.code if organisation else "",
        referral=str(referral.uuid),
        status=status,
        side=side,
    )
    return referral


# --- case transfer ------------------------------------------------------------------------------


def data_sharing_refusal_message() -> str:
    return _(
        "This survivor has not given consent to share their data with another organisation (or "
        "has withdrawn it). Record that consent first: without it the case cannot be transferred."
    )


@transaction.atomic
def transfer_request(
    *,
    origin: Origin,
    survivor: Survivor,
    to_organisation: Organisation,
    reason: str,
    audit: bool = True,
) -> CaseTransfer:
    """Ask another organisation (any country project of the implementer) to take the case."""
    errors = {}
    if not consent_is_given(survivor, "data_sharing"):
        errors["__all__"] = data_sharing_refusal_message()
    if survivor.status != CaseStatus.OPEN:
        errors["__all__"] = _("Only an open case can be transferred; reopen it first.")
    if reason not in TransferReason.values:
        errors["reason"] = _("Say why the case moves.")
    if to_organisation.pk == survivor.organisation_id:
        errors["to_organisation"] = _("The case is already with this organisation.")
    elif to_organisation.kind not in (OrganisationKind.PARTNER, OrganisationKind.SITE):
        errors["to_organisation"] = _("Cases are held by partner organisations and sites.")
    elif not same_tree(to_organisation, survivor.organisation):
        errors["to_organisation"] = _("This organisation is not in your programme.")
    if survivor.transfers.filter(status=TransferStatus.PENDING).exists():
        errors["__all__"] = _("A transfer of this case is already waiting for an answer.")
    if errors:
        raise ValidationError(errors)
    transfer = CaseTransfer.objects.create(
        survivor=survivor,
        from_organisation_id=survivor.organisation_id,
        to_organisation=to_organisation,
        reason=reason,
        requested_by=origin.user,
    )
    _case_event(
        survivor.pk,
        CaseEventType.TRANSFER_REQUESTED,
        origin,
        transfer=transfer.pk,
        to=to_organisation.code,
    )
    if audit:
        _audit(origin, Action.CHANGE, survivor, transfer="requested", to=to_organisation.code)
    return transfer


def _move(queryset, model, to_organisation: Organisation) -> int:
    """Give records to the receiver; refs that clash with the receiver's own are cleared."""
    clashing = set(
        model.objects.filter(organisation=to_organisation)
        .exclude(ref="")
        .filter(ref__in=queryset.exclude(ref="").values("ref"))
        .values_list("ref", flat=True)
    )
    if clashing:
        queryset.filter(ref__in=clashing).update(ref="")
    return queryset.update(organisation=to_organisation, modified_at=timezone.now())


def _decide(transfer: CaseTransfer, origin: Origin, status: str, note: str = "") -> None:
    transfer.status = status
    transfer.decided_by = origin.user
    transfer.decided_at = timezone.now()
    transfer.decision_note = note
    transfer.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])


@transaction.atomic
def transfer_accept(*, origin: Origin, transfer: CaseTransfer, audit: bool = True) -> CaseTransfer:
    """The receiver takes the case: the survivor and its open records (open needs, ongoing
    episodes, open referrals) move to the receiver; closed records stay with the organisation
    that worked on them (so its past figures stay its own), but every read goes through the
    survivor, so the sender can no longer open any of it. The case worker is cleared for the
    receiver to assign. Both sides get an audit entry."""
    transfer = CaseTransfer.objects.select_for_update().get(pk=transfer.pk)
    if transfer.status != TransferStatus.PENDING:
        raise ValidationError(_("This transfer has already been answered."))
    survivor = Survivor.objects.select_related("organisation").get(pk=transfer.survivor_id)
    if not consent_is_given(survivor, "data_sharing"):
        raise ValidationError(data_sharing_refusal_message())
    sender = survivor.organisation
    receiver = transfer.to_organisation
    moved = {
        "needs": _move(survivor.needs.filter(status=NeedStatus.OPEN), Need, receiver),
        "episodes": _move(
            survivor.episodes.filter(status=EpisodeStatus.ONGOING), ServiceEpisode, receiver
        ),
        "referrals": _move(
            survivor.referrals.filter(status__in=OPEN_REFERRAL_STATUSES), Referral, receiver
        ),
    }
    if survivor.ref and Survivor.objects.filter(organisation=receiver, ref=survivor.ref).exists():
        survivor.ref = ""
    survivor.organisation = receiver
    survivor.case_worker = None
    survivor.save(update_fields=["organisation", "case_worker", "ref", "modified_at"])
    _decide(transfer, origin, TransferStatus.ACCEPTED)
    _case_event(
        survivor.pk,
        CaseEventType.TRANSFER_ACCEPTED,
        origin,
        transfer=transfer.pk,
        **{"from": sender.code, "to": receiver.code},
        moved=moved,
    )
    for code in (sender.code, receiver.code) if audit else ():
        _audit(
            origin,
            Action.CHANGE,
            survivor,
            organisation_code=code,
            transfer="accepted",
            **{"from": sender.code, "to": receiver.code},
            moved=moved,
        )
    return transfer


@transaction.atomic
def transfer_decline(*, origin: Origin, transfer: CaseTransfer, reason: str) -> CaseTransfer:
    if transfer.status != TransferStatus.PENDING:
        raise ValidationError(_("This transfer has already been answered."))
    if reason not in TransferReason.values:
        raise ValidationError({"reason": _("Say why the transfer is declined.")})
    _decide(transfer, origin, TransferStatus.DECLINED, reason)
    _case_event(
        transfer.survivor_id,
        CaseEventType.TRANSFER_DECLINED,
        origin,
        transfer=transfer.pk,
        to=transfer.to_organisation.code,
        reason=reason,
    )
    for code in (transfer.from_organisation.code, transfer.to_organisation.code):
        _audit(
            origin,
            Action.CHANGE,
            transfer.survivor,
            organisation_code=code,
            transfer="declined",
            to=transfer.to_organisation.code,
        )
    return transfer


@transaction.atomic
def transfer_cancel(*, origin: Origin, transfer: CaseTransfer) -> CaseTransfer:
    if transfer.status != TransferStatus.PENDING:
        raise ValidationError(_("This transfer has already been answered."))
    _decide(transfer, origin, TransferStatus.CANCELLED)
    _case_event(
        transfer.survivor_id,
        CaseEventType.TRANSFER_CANCELLED,
        origin,
        transfer=transfer.pk,
        to=transfer.to_organisation.code,
    )
    _audit(
        origin,
        Action.CHANGE,
        transfer.survivor,
        organisation_code=transfer.from_organisation.code,
        transfer="cancelled",
        to=transfer.to_organisation.code,
    )
    return transfer


def user_may_answer_transfer(user: User, transfer: CaseTransfer) -> bool:
    return bool(
        user.organisation_id and transfer.to_organisation.path.startswith(user.organisation.path)
    )


def may_manage_project(user: User, project: Organisation) -> bool:
    from ctip.services.selectors import projects_managed_by

    return projects_managed_by(user).filter(pk=project.pk).exists()


# --- imports ------------------------------------------------------------------------------------

STARTED_STATUSES = (ReferralStatus.SERVICE_STARTED, ReferralStatus.COMPLETED)


def referral_path(current: str, target: str) -> list[str] | None:
    """The statuses a referral passes through from ``current`` to ``target`` (excluded,
    included), following `REFERRAL_TRANSITIONS`; None when the loop cannot get there."""
    if current == target:
        return []
    frontier: list[tuple[str, list[str]]] = [(current, [])]
    seen = {current}
    while frontier:
        status, path = frontier.pop(0)
        for following in sorted(REFERRAL_TRANSITIONS.get(status, ())):
            if following in seen:
                continue
            if following == target:
                return [*path, following]
            seen.add(following)
            frontier.append((following, [*path, following]))
    return None


def import_referral_problems(entry: dict) -> dict:
    """The imported row's own checks: what the referral form's services check, plus the
    status and its service start date."""
    errors = _referral_checks(
        survivor=entry["survivor"],
        service_type=entry["service_type"],
        to_provider=entry["to_provider"],
        need=entry.get("need"),
        sent_on=entry["sent_on"],
        consent_on=entry["consent_on"],
        allow_retired=True,
    )
    started = entry.get("service_started_on")
    if entry["status"] in STARTED_STATUSES:
        if started is None:
            errors["service_started_on"] = _(
                "is required when the status is service_started or completed"
            )
        elif started < entry["sent_on"]:
            errors["service_started_on"] = _("is before the referral was sent")
        elif started > _today():
            errors["service_started_on"] = _("is in the future")
    elif started is not None:
        errors["service_started_on"] = _(
            "must be empty unless the status is service_started or completed"
        )
    return errors


@transaction.atomic
def referrals_bulk_import(
    *,
    origin: Origin,
    entries: list[dict],
    import_batch: ImportBatch | None = None,
    chunk_size: int = 2000,
) -> list[Referral]:
    """Record many referrals at once (imports), each as it stands today.

    Each entry: survivor, organisation (the referring organisation), service_type,
    to_provider, need, consent_on, sent_on, status, service_started_on, ref. The referral gets
    its `sent` event and, when the status is further on, one event for that status (reason
    `imported`). A started or completed referral links the episode it produced: an unlinked one
    with the same survivor, type, provider and start date, or a new one (completed referrals'
    new episodes end on their start date: the template has no end date; import the episode
    through `ctip import services` to give it one). Any invalid entry raises
    `BulkValidationError` and nothing is saved.
    """
    from ctip.cases.services import BulkValidationError

    errors = {}
    for index, entry in enumerate(entries):
        problems = import_referral_problems(entry)
        if problems:
            errors[index] = ValidationError(problems)
    if errors:
        raise BulkValidationError(errors)
    referrals = []
    for entry in entries:
        started = entry.get("service_started_on")
        need = entry.get("need")
        referrals.append(
            Referral(
                survivor_id=entry["survivor"].pk,
                organisation=entry["organisation"],
                created_by=origin.user,
                need_id=need.pk if need is not None else None,
                service_type=entry["service_type"],
                to_provider=entry["to_provider"],
                ref=entry.get("ref") or "",
                consent_on=entry["consent_on"],
                sent_on=entry["sent_on"],
                status=entry["status"],
                status_on=started or entry["sent_on"],
                service_started_on=started,
                import_batch=import_batch,
            )
        )
    _link_imported_episodes(origin, list(zip(referrals, entries, strict=True)), import_batch)
    Referral.objects.bulk_create(referrals, batch_size=chunk_size)
    events, case_events = [], []
    for referral in referrals:
        events.append(
            ReferralEvent(
                referral=referral,
                status=ReferralStatus.SENT,
                on=referral.sent_on,
                by=origin.user,
                by_organisation=referral.organisation,
                reason=ReferralReason.IMPORTED,
            )
        )
        if referral.status != ReferralStatus.SENT:
            events.append(
                ReferralEvent(
                    referral=referral,
                    status=referral.status,
                    on=referral.status_on,
                    by=origin.user,
                    by_organisation=referral.organisation,
                    reason=ReferralReason.IMPORTED,
                )
            )
        case_events.append(
            CaseEvent(
                survivor_id=referral.survivor_id,
                type=CaseEventType.REFERRAL_SENT,
                by=origin.user,
                data={
                    "referral": str(referral.uuid),
                    "service_type": referral.service_type.code,
                    "to": referral.to_provider.code,
                },
            )
        )
    ReferralEvent.objects.bulk_create(events, batch_size=chunk_size)
    CaseEvent.objects.bulk_create(case_events, batch_size=chunk_size)
    return referrals


def _link_imported_episodes(origin, pairs: list[tuple[Referral, dict]], import_batch) -> None:
    """Give every started or completed referral its episode (an existing unlinked match, or a
    new one written in bulk). ``pairs``: each referral with the entry (survivor, need) it
    came from."""
    started = [
        (referral, entry)
        for referral, entry in pairs
        if referral.status in STARTED_STATUSES and referral.episode_id is None
    ]
    if not started:
        return
    survivor_ids = sorted({referral.survivor_id for referral, _entry in started})
    unlinked: dict[tuple, list[ServiceEpisode]] = {}
    for start in range(0, len(survivor_ids), 2000):
        queryset = ServiceEpisode.objects.filter(
            survivor_id__in=survivor_ids[start : start + 2000], referral__isnull=True
        ).only("pk", "survivor_id", "service_type_id", "provider_id", "started_on")
        for episode in queryset:
            key = (
                episode.survivor_id,
                episode.service_type_id,
                episode.provider_id,
                episode.started_on,
            )
            unlinked.setdefault(key, []).append(episode)
    new_entries, new_for = [], []
    for referral, entry in started:
        key = (
            referral.survivor_id,
            referral.service_type_id,
            referral.to_provider_id,
            referral.service_started_on,
        )
        if unlinked.get(key):
            referral.episode = unlinked[key].pop(0)
            continue
        completed = referral.status == ReferralStatus.COMPLETED
        new_entries.append(
            {
                "survivor": entry["survivor"],
                "service_type": referral.service_type,
                "provider": referral.to_provider,
                "need": entry.get("need"),
                "started_on": referral.service_started_on,
                "ended_on": referral.service_started_on if completed else None,
                "status": EpisodeStatus.COMPLETED if completed else EpisodeStatus.ONGOING,
            }
        )
        new_for.append(referral)
    if new_entries:
        episodes = episodes_bulk_record(
            origin=origin, entries=new_entries, import_batch=import_batch
        )
        for referral, episode in zip(new_for, episodes, strict=True):
            referral.episode = episode


REFERRAL_IMPORT_FIELDS = (
    "need",
    "service_type",
    "to_provider",
    "consent_on",
    "sent_on",
    "status",
    "service_started_on",
)


@transaction.atomic
def referral_import_update(
    *,
    origin: Origin,
    referral: Referral,
    import_batch: ImportBatch | None = None,
    **changes,
) -> list[str]:
    """Apply an imported row's changes to an existing referral. The status may only move
    forward along the loop; each status passed gets its event (reason `imported`)."""
    unknown = set(changes) - set(REFERRAL_IMPORT_FIELDS)
    if unknown:
        raise TypeError(f"not referral import fields: {sorted(unknown)}")
    changed = [name for name, value in changes.items() if getattr(referral, name) != value]
    if not changed:
        return []
    entry = {name: getattr(referral, name) for name in REFERRAL_IMPORT_FIELDS}
    entry |= changes
    entry["survivor"] = referral.survivor
    errors = import_referral_problems(entry)
    path = referral_path(referral.status, entry["status"])
    if path is None:
        errors["status"] = _("a referral that is %(current)s cannot become %(new)s") % {
            "current": referral.status,
            "new": entry["status"],
        }
    if errors:
        raise ValidationError(errors)
    for name in changed:
        setattr(referral, name, changes[name])
    started = entry.get("service_started_on")
    if path:
        referral.status_on = started or referral.sent_on
        if entry["status"] in STARTED_STATUSES and referral.episode_id is None:
            _link_imported_episodes(
                origin,
                [(referral, {"survivor": referral.survivor, "need": referral.need})],
                import_batch,
            )
        ReferralEvent.objects.bulk_create(
            [
                ReferralEvent(
                    referral=referral,
                    status=status,
                    on=started if status in STARTED_STATUSES and started else referral.status_on,
                    by=origin.user,
                    by_organisation=referral.organisation,
                    reason=ReferralReason.IMPORTED,
                )
                for status in path
            ]
        )
    if import_batch is not None:
        referral.import_batch = import_batch
    referral.save()
    _case_event(
        referral.survivor_id,
        CaseEventType.REFERRAL_STATUS_CHANGED,
        origin,
        referral=str(referral.uuid),
        fields=changed,
        status=referral.status,
    )
    return changed
