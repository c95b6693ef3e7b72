"""Writes of `partnerships`. Each service validates, saves, appends an `EngagementEvent` where
the record hangs on an engagement, and writes the audit entry. Callers check scope first
(`selectors.engagement_for_edit` and friends); services enforce the business rules: the gates of
the pipeline, the definitions of the action levels, the protocol of a concern.
"""

import datetime as dt
import hashlib
import mimetypes
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ctip.core.audit import Action, Origin, audit_write
from ctip.core.countries import ALPHA2
from ctip.core.models import ImportBatch, Organisation, OrganisationKind, User
from ctip.partnerships.models import (
    DUE_DILIGENCE_CRITERIA,
    HEALTH_FACTORS,
    PARTNERSHIP_AGREEMENTS,
    STAGE_ORDER,
    ActionLevel,
    Activity,
    ActivityStatus,
    Agreement,
    AgreementKind,
    AlignmentRecord,
    CheckIn,
    CheckInMode,
    ClosedReason,
    Commitment,
    CommitmentKind,
    Company,
    CompanyContact,
    CompanySize,
    Concern,
    ConcernStatus,
    ConcernStep,
    ConcernStepKind,
    Document,
    DocumentKind,
    Draft,
    DraftKind,
    DueDiligence,
    Engagement,
    EngagementEvent,
    EventType,
    FundingStatus,
    FundingYear,
    HealthCheck,
    HealthRating,
    JobOpening,
    OpeningStatus,
    Ownership,
    PartnerAction,
    PartnershipSettings,
    Placement,
    RiskRating,
    Sector,
    Side,
    Stage,
    Stakeholder,
    StakeholderKind,
    StakeholderLink,
    Stream,
    SupplyChainPosition,
    Workstream,
    list_to_db,
)
from ctip.partnerships.terms import TermHit, avoided_term_hits

DEFAULT_DUE_DILIGENCE_DAYS = 365
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
ALLOWED_UPLOADS = {".pdf", ".docx", ".doc", ".xlsx", ".xls", ".odt", ".ods", ".txt", ".png", ".jpg"}


def _today() -> dt.date:
    return timezone.localdate()


def _not_future(value: dt.date | None, field: str) -> None:
    if value and value > _today():
        raise ValidationError({field: _("%(date)s is in the future.") % {"date": value}})


def _event(engagement: Engagement, type_: str, origin: Origin, on: dt.date, **data):
    return EngagementEvent.objects.create(
        engagement=engagement, type=type_, on=on, by=origin.user, data=data
    )


def _audit(origin: Origin, action: str, object_type: str, obj, organisation, **detail) -> None:
    audit_write(
        origin=origin,
        action=action,
        object_type=object_type,
        object_ref=str(obj.uuid),
        organisation_code=organisation.code,
        detail=detail,
    )


def _audit_engagement(origin: Origin, engagement: Engagement, what: str, **detail) -> None:
    _audit(
        origin,
        Action.CHANGE,
        "engagement",
        engagement,
        engagement.organisation,
        what=what,
        **detail,
    )


def _choice(value: str, choices, field: str, *, required: bool = True) -> None:
    if not value and not required:
        return
    if value not in choices:
        raise ValidationError({field: _("%(value)s is not a valid choice.") % {"value": value}})


def _countries(values) -> list[str]:
    cleaned = [str(v).strip().upper() for v in values if str(v).strip()]
    unknown = [c for c in cleaned if c not in ALPHA2]
    if unknown:
        raise ValidationError(
            {
                "operating_countries": _("Not ISO 3166 alpha-2 country codes: %(codes)s.")
                % {"codes": ", ".join(unknown)}
            }
        )
    return cleaned


# --- the registry ---------------------------------------------------------------------------

COMPANY_FIELDS = (
    "name",
    "sector",
    "hq_country",
    "ownership",
    "size",
    "operating_countries",
    "supply_chain_position",
    "has_csr_strategy",
    "csr_summary",
    "csr_priorities",
    "interests",
    "website",
    "is_target",
)


def _company_values(values: dict) -> dict:
    cleaned = dict(values)
    cleaned["name"] = (cleaned.get("name") or "").strip()
    if not cleaned["name"]:
        raise ValidationError({"name": _("A company needs a name.")})
    _choice(cleaned.get("sector", ""), Sector.values, "sector")
    _choice(cleaned.get("ownership", ""), Ownership.values, "ownership")
    _choice(cleaned.get("size", ""), CompanySize.values, "size", required=False)
    _choice(
        cleaned.get("supply_chain_position", ""),
        SupplyChainPosition.values,
        "supply_chain_position",
        required=False,
    )
    hq = (cleaned.get("hq_country") or "").strip().upper()
    if hq and hq not in ALPHA2:
        raise ValidationError({"hq_country": _("Not an ISO 3166 alpha-2 country code.")})
    cleaned["hq_country"] = hq
    if "operating_countries" in cleaned:
        operating = cleaned["operating_countries"]
        if isinstance(operating, str):
            operating = operating.replace(",", ";").split(";")
        cleaned["operating_countries"] = list_to_db(_countries(operating))
    return cleaned


def _company_unique(implementer: Organisation, name: str, exclude_pk=None) -> None:
    clash = Company.objects.filter(organisation=implementer, name__iexact=name)
    if exclude_pk:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError({"name": _("%(name)s is already in the registry.") % {"name": name}})


@transaction.atomic
def company_create(
    *,
    origin: Origin,
    implementer: Organisation,
    name: str,
    sector: str,
    ownership: str,
    hq_country: str = "",
    size: str = "",
    operating_countries=(),
    supply_chain_position: str = "",
    has_csr_strategy: bool = False,
    csr_summary: str = "",
    csr_priorities: str = "",
    interests: str = "",
    website: str = "",
    is_target: bool = False,
    ref: str = "",
    import_batch: ImportBatch | None = None,
    audit: bool = True,
) -> Company:
    """Add a company to the implementer's registry (shared by all its country projects)."""
    if implementer.kind != OrganisationKind.IMPLEMENTER:
        raise ValidationError(
            {"organisation": _("The company registry belongs to an implementer.")}
        )
    values = _company_values(
        {
            "name": name,
            "sector": sector,
            "ownership": ownership,
            "hq_country": hq_country,
            "size": size,
            "operating_countries": operating_countries,
            "supply_chain_position": supply_chain_position,
            "has_csr_strategy": has_csr_strategy,
            "csr_summary": csr_summary,
            "csr_priorities": csr_priorities,
            "interests": interests,
            "website": website,
            "is_target": is_target,
        }
    )
    _company_unique(implementer, values["name"])
    company = Company(
        organisation=implementer,
        created_by=origin.user,
        ref=ref,
        import_batch=import_batch,
        **values,
    )
    company.full_clean()
    company.save()
    if audit:
        _audit(origin, Action.CREATE, "company", company, implementer)
    return company


@transaction.atomic
def company_update(
    *,
    origin: Origin,
    company: Company,
    import_batch: ImportBatch | None = None,
    audit: bool = True,
    **changes,
) -> Company:
    unknown = set(changes) - set(COMPANY_FIELDS)
    if unknown:
        raise ValueError(f"not company fields: {sorted(unknown)}")
    current = {name: getattr(company, name) for name in COMPANY_FIELDS}
    values = _company_values(current | changes)
    if values["name"].lower() != company.name.lower():
        _company_unique(company.organisation, values["name"], exclude_pk=company.pk)
    changed = [name for name in COMPANY_FIELDS if values[name] != current[name]]
    for name in changed:
        setattr(company, name, values[name])
    if import_batch is not None:
        company.import_batch = import_batch
    company.full_clean()
    company.save()
    if audit and changed:
        _audit(origin, Action.CHANGE, "company", company, company.organisation, fields=changed)
    return company


def company_set_target(*, origin: Origin, company: Company, is_target: bool) -> Company:
    return company_update(origin=origin, company=company, is_target=is_target)


def contact_add(
    *, origin: Origin, company: Company, name: str, position: str = "", email: str = "",
    phone: str = "",
) -> CompanyContact:  # fmt: skip
    if not name.strip():
        raise ValidationError({"name": _("A contact needs a name.")})
    contact = CompanyContact.objects.create(
        company=company,
        name=name.strip(),
        position=position.strip(),
        email=email.strip(),
        phone=phone.strip(),
        created_by=origin.user,
    )
    _audit(origin, Action.CHANGE, "company", company, company.organisation, what="contact_added")
    return contact


# --- engagements and the pipeline -----------------------------------------------------------


def _clean_terms(text: str) -> str:
    seen, lines = set(), []
    for line in (text or "").splitlines():
        term = " ".join(line.split())
        if term and term.casefold() not in seen:
            seen.add(term.casefold())
            lines.append(term)
    return "\n".join(lines)


@transaction.atomic
def engagement_start(
    *,
    origin: Origin,
    company: Company,
    country_project: Organisation,
    stream: str = Stream.MECHANISMS,
    lead: User | None = None,
    framing: str = "",
    avoided_terms: str = "",
    check_in_days: int | None = None,
    on: dt.date | None = None,
) -> Engagement:
    """A country project starts engaging a registry company, at the landscape stage."""
    on = on or _today()
    _not_future(on, "on")
    if country_project.kind != OrganisationKind.COUNTRY_PROJECT:
        raise ValidationError({"organisation": _("Engagements belong to a country project.")})
    if not country_project.path.startswith(company.organisation.path):
        raise ValidationError(
            {"organisation": _("The country project is not under the company's implementer.")}
        )
    if Engagement.objects.filter(company=company, organisation=country_project).exists():
        raise ValidationError(
            {
                "organisation": _("%(project)s already engages %(company)s.")
                % {"project": country_project.name, "company": company.name}
            }
        )
    _choice(stream, Stream.values, "stream")
    engagement = Engagement.objects.create(
        organisation=country_project,
        created_by=origin.user,
        company=company,
        stream=stream,
        stage=Stage.LANDSCAPE,
        stage_since=on,
        lead=lead,
        framing=framing.strip(),
        avoided_terms=_clean_terms(avoided_terms),
        check_in_days=check_in_days,
    )
    EngagementEvent.objects.create(
        engagement=engagement,
        type=EventType.CREATED,
        to_stage=Stage.LANDSCAPE,
        on=on,
        by=origin.user,
    )
    _audit(origin, Action.CREATE, "engagement", engagement, country_project)
    return engagement


ENGAGEMENT_FIELDS = ("stream", "lead", "framing", "avoided_terms", "check_in_days")


@transaction.atomic
def engagement_update(*, origin: Origin, engagement: Engagement, **changes) -> Engagement:
    unknown = set(changes) - set(ENGAGEMENT_FIELDS)
    if unknown:
        raise ValueError(f"not engagement fields: {sorted(unknown)}")
    if "stream" in changes:
        _choice(changes["stream"], Stream.values, "stream")
    if "avoided_terms" in changes:
        changes["avoided_terms"] = _clean_terms(changes["avoided_terms"])
    if "framing" in changes:
        changes["framing"] = (changes["framing"] or "").strip()
    if changes.get("check_in_days") == 0:
        raise ValidationError({"check_in_days": _("Check in every 1 day or more.")})
    changed = [name for name, value in changes.items() if getattr(engagement, name) != value]
    for name in changed:
        setattr(engagement, name, changes[name])
    if changed:
        engagement.save()
        _event(engagement, EventType.DETAILS_CHANGED, origin, _today(), fields=changed)
        _audit_engagement(origin, engagement, "details", fields=changed)
    return engagement


def due_diligence_valid_days(implementer: Organisation) -> int:
    row = PartnershipSettings.objects.filter(organisation=implementer).first()
    return row.due_diligence_valid_days if row else DEFAULT_DUE_DILIGENCE_DAYS


def due_diligence_latest(engagement: Engagement, on: dt.date | None = None):
    """The latest review on or before ``on`` (later ones supersede earlier ones)."""
    on = on or _today()
    return (
        engagement.due_diligence.filter(reviewed_on__lte=on).order_by("-reviewed_on", "-id").first()
    )


def due_diligence_current(engagement: Engagement, on: dt.date | None = None):
    """The latest review if it has not expired on ``on``; else None."""
    on = on or _today()
    latest = due_diligence_latest(engagement, on)
    if latest is None or latest.expires_on <= on:
        return None
    return latest


def alignment_in_place(engagement: Engagement, on: dt.date) -> bool:
    return AlignmentRecord.objects.filter(engagement=engagement, recorded_on__lte=on).exists()


def concept_note_problems(engagement: Engagement, on: dt.date | None = None) -> list[str]:
    """Why a concept note may not be recorded yet (empty when it may)."""
    on = on or _today()
    problems = []
    if not alignment_in_place(engagement, on):
        problems.append(
            _("Record the alignment record (shared interests) before the concept note.")
        )
    current = due_diligence_current(engagement, on)
    if current is None:
        latest = due_diligence_latest(engagement, on)
        if latest is None:
            problems.append(_("Complete the due diligence before the concept note."))
        else:
            problems.append(
                _("The due diligence of %(date)s expired on %(expired)s: review the company again.")
                % {"date": latest.reviewed_on, "expired": latest.expires_on}
            )
    elif current.rating == RiskRating.HIGH:
        problems.append(
            _("The due diligence rates the company high risk: no concept note on that rating.")
        )
    return problems


def stage_gate_problems(engagement: Engagement, to_stage: str, on: dt.date) -> list[str]:
    """The gates an engagement passes on its way to ``to_stage`` (only when entering them)."""
    if to_stage == Stage.CLOSED:
        return []
    current = engagement.stage_order  # closed is -1: a reopened engagement passes every gate
    target = STAGE_ORDER[to_stage]
    problems = []
    if current < STAGE_ORDER[Stage.CONCEPT_NOTE] <= target:
        problems += concept_note_problems(engagement, on)
    if current < STAGE_ORDER[Stage.AGREEMENT_SIGNED] <= target:
        signed = engagement.agreements.filter(
            kind__in=PARTNERSHIP_AGREEMENTS, signed_on__isnull=False, signed_on__lte=on
        )
        if not signed.exists():
            problems.append(_("Record the signed MoU or partnership agreement before this stage."))
    return problems


@transaction.atomic
def engagement_move(
    *,
    origin: Origin,
    engagement: Engagement,
    to_stage: str,
    on: dt.date | None = None,
    reason: str = "",
    note: str = "",
) -> EngagementEvent:
    """Move an engagement to another stage (or close it with a reason), through the gates.

    Every change is an event row with its date and author; ``stage_since`` follows it.
    """
    on = on or _today()
    engagement = (
        Engagement.objects.select_for_update().select_related("organisation").get(pk=engagement.pk)
    )
    _choice(to_stage, Stage.values, "stage")
    _not_future(on, "on")
    if to_stage == engagement.stage:
        raise ValidationError({"stage": _("The engagement is already at this stage.")})
    if on < engagement.stage_since:
        raise ValidationError(
            {
                "on": _("The last stage change was on %(date)s: a change cannot be dated earlier.")
                % {"date": engagement.stage_since}
            }
        )
    if to_stage == Stage.CLOSED:
        _choice(reason, ClosedReason.values, "reason")
    else:
        reason = ""
    problems = stage_gate_problems(engagement, to_stage, on)
    if problems:
        raise ValidationError({"stage": problems})
    from_stage = engagement.stage
    event = EngagementEvent.objects.create(
        engagement=engagement,
        type=EventType.STAGE_CHANGED,
        from_stage=from_stage,
        to_stage=to_stage,
        on=on,
        by=origin.user,
        reason=reason,
        data={"note": note.strip()[:500]} if note.strip() else {},
    )
    engagement.stage, engagement.stage_since, engagement.closed_reason = to_stage, on, reason
    engagement.save(update_fields=["stage", "stage_since", "closed_reason", "modified_at"])
    _audit_engagement(
        origin, engagement, "stage", from_stage=from_stage, to_stage=to_stage, on=on.isoformat()
    )
    return event


# --- shared interests, due diligence, drafts ------------------------------------------------


@transaction.atomic
def alignment_record(
    *,
    origin: Origin,
    engagement: Engagement,
    company_priorities: str,
    project_objectives: str,
    shared_goals: str,
    project_will_not_do: str = "",
    recorded_on: dt.date | None = None,
) -> AlignmentRecord:
    """Create or revise the engagement's alignment record."""
    recorded_on = recorded_on or _today()
    _not_future(recorded_on, "recorded_on")
    errors = {}
    for field, value in (
        ("company_priorities", company_priorities),
        ("project_objectives", project_objectives),
        ("shared_goals", shared_goals),
    ):
        if not (value or "").strip():
            errors[field] = _("This part of the alignment record is required.")
    if errors:
        raise ValidationError(errors)
    record, created = AlignmentRecord.objects.update_or_create(
        engagement=engagement,
        defaults={
            "company_priorities": company_priorities.strip(),
            "project_objectives": project_objectives.strip(),
            "shared_goals": shared_goals.strip(),
            "project_will_not_do": (project_will_not_do or "").strip(),
            "recorded_on": recorded_on,
            "recorded_by": origin.user,
        },
    )
    _event(engagement, EventType.ALIGNMENT_RECORDED, origin, recorded_on, revised=not created)
    _audit_engagement(origin, engagement, "alignment")
    return record


def suggested_rating(scores: dict[str, int]) -> str:
    """The checklist's suggestion: any sanctions concern or any 3 is high; any 2 is medium."""
    if scores.get("sanctions", 1) > 1 or any(value == 3 for value in scores.values()):
        return RiskRating.HIGH
    if any(value == 2 for value in scores.values()):
        return RiskRating.MEDIUM
    return RiskRating.LOW


@transaction.atomic
def due_diligence_record(
    *,
    origin: Origin,
    engagement: Engagement,
    reviewer: User | None,
    reviewed_on: dt.date,
    scores: dict[str, int],
    rating: str,
    reasons: str,
    notes: str = "",
    evidence_links: str = "",
) -> DueDiligence:
    """One review against the scored checklist; it expires after the implementer's setting."""
    _not_future(reviewed_on, "reviewed_on")
    errors = {}
    names = [name for name, _label in DUE_DILIGENCE_CRITERIA]
    for name in names:
        value = scores.get(name)
        if not isinstance(value, int) or not 1 <= value <= 3:
            errors[name] = _("Score each criterion 1 (no concern), 2 (some) or 3 (serious).")
    _choice(rating, RiskRating.values, "rating")
    if not (reasons or "").strip():
        errors["reasons"] = _("Give the reasons for the rating.")
    links = [line.strip() for line in (evidence_links or "").splitlines() if line.strip()]
    validate = URLValidator(schemes=["http", "https"])
    for link in links:
        try:
            validate(link)
        except ValidationError:
            errors["evidence_links"] = _("%(link)s is not a web address.") % {"link": link[:80]}
    if errors:
        raise ValidationError(errors)
    implementer = engagement.company.organisation
    review = DueDiligence(
        organisation=engagement.organisation,
        created_by=origin.user,
        engagement=engagement,
        reviewer=reviewer,
        reviewed_on=reviewed_on,
        rating=rating,
        reasons=reasons.strip(),
        notes=(notes or "").strip(),
        evidence_links="\n".join(links),
        expires_on=reviewed_on + dt.timedelta(days=due_diligence_valid_days(implementer)),
        **{name: scores[name] for name in names},
    )
    review.save()
    _event(
        engagement,
        EventType.DUE_DILIGENCE_RECORDED,
        origin,
        reviewed_on,
        rating=rating,
        total=review.total,
    )
    _audit_engagement(origin, engagement, "due_diligence", rating=rating)
    return review


@transaction.atomic
def draft_save(
    *,
    origin: Origin,
    engagement: Engagement,
    kind: str,
    title: str,
    body: str,
    draft: Draft | None = None,
) -> tuple[Draft, list[TermHit]]:
    """Save a concept note or message; return it with the avoided terms it uses (a warning,
    not a refusal: the author decides). A new concept note passes the concept-note gate."""
    _choice(kind, DraftKind.values, "kind")
    if not title.strip():
        raise ValidationError({"title": _("Give the draft a title.")})
    becomes_concept_note = draft is None or draft.kind != DraftKind.CONCEPT_NOTE
    if kind == DraftKind.CONCEPT_NOTE and becomes_concept_note:
        problems = concept_note_problems(engagement)
        if problems:
            raise ValidationError({"kind": problems})
    if draft is None:
        draft = Draft(organisation=engagement.organisation, created_by=origin.user)
        draft.engagement = engagement
    draft.kind, draft.title, draft.body = kind, title.strip(), body
    draft.save()
    hits = draft_term_hits(draft)
    _event(
        engagement,
        EventType.DRAFT_SAVED,
        origin,
        _today(),
        kind=kind,
        draft=str(draft.uuid),
        avoided_terms=sorted({hit.term for hit in hits}),
    )
    _audit_engagement(origin, engagement, "draft", kind=kind)
    return draft, hits


def draft_term_hits(draft: Draft) -> list[TermHit]:
    return avoided_term_hits(
        draft.engagement.avoided_term_list, {"title": draft.title, "text": draft.body}
    )


# --- agreements, commitments, documents, funding --------------------------------------------


@transaction.atomic
def agreement_record(
    *,
    origin: Origin,
    engagement: Engagement,
    kind: str,
    title: str,
    signed_on: dt.date | None = None,
    starts_on: dt.date | None = None,
    ends_on: dt.date | None = None,
    nda_restrictions: str = "",
    sustainability_plan: str = "",
    sustainability_owner: str = "",
) -> Agreement:
    _choice(kind, AgreementKind.values, "kind")
    _not_future(signed_on, "signed_on")
    errors = {}
    if not title.strip():
        errors["title"] = _("Give the agreement a title.")
    if kind == AgreementKind.NDA and not nda_restrictions.strip():
        errors["nda_restrictions"] = _("Say what the NDA restricts, so staff know what to share.")
    if starts_on and ends_on and ends_on < starts_on:
        errors["ends_on"] = _("The agreement cannot end before it starts.")
    if errors:
        raise ValidationError(errors)
    agreement = Agreement.objects.create(
        organisation=engagement.organisation,
        created_by=origin.user,
        engagement=engagement,
        kind=kind,
        title=title.strip(),
        signed_on=signed_on,
        starts_on=starts_on,
        ends_on=ends_on,
        nda_restrictions=nda_restrictions.strip(),
        sustainability_plan=sustainability_plan.strip(),
        sustainability_owner=sustainability_owner.strip(),
    )
    _event(
        engagement,
        EventType.AGREEMENT_RECORDED,
        origin,
        signed_on or _today(),
        kind=kind,
        agreement=str(agreement.uuid),
    )
    _audit_engagement(origin, engagement, "agreement", kind=kind)
    return agreement


@transaction.atomic
def commitment_add(
    *,
    origin: Origin,
    agreement: Agreement,
    side: str,
    kind: str,
    description: str,
    amount: Decimal,
    unit: str,
) -> Commitment:
    _choice(side, Side.values, "side")
    _choice(kind, CommitmentKind.values, "kind")
    errors = {}
    if not description.strip():
        errors["description"] = _("Say what is committed.")
    if amount is None or amount < 0:
        errors["amount"] = _("The amount cannot be negative.")
    unit = (unit or "").strip()
    if kind == CommitmentKind.STAFF:
        unit = "person-days"
    elif not (len(unit) == 3 and unit.isalpha()):
        errors["unit"] = _("Give a three-letter currency code, e.g. USD or THB.")
    if errors:
        raise ValidationError(errors)
    commitment = Commitment.objects.create(
        agreement=agreement,
        side=side,
        kind=kind,
        description=description.strip(),
        amount=amount,
        unit=unit.upper() if kind != CommitmentKind.STAFF else unit,
    )
    engagement = agreement.engagement
    _event(engagement, EventType.COMMITMENT_RECORDED, origin, _today(), side=side, kind=kind)
    _audit_engagement(origin, engagement, "commitment", side=side, kind=kind)
    return commitment


@transaction.atomic
def document_add(
    *,
    origin: Origin,
    engagement: Engagement,
    kind: str,
    title: str,
    upload,
    agreement: Agreement | None = None,
    period: str = "",
) -> Document:
    """Store an uploaded file under a random name in the data dir (never served publicly)."""
    _choice(kind, DocumentKind.values, "kind")
    errors = {}
    if not title.strip():
        errors["title"] = _("Give the document a title.")
    name = getattr(upload, "name", "") or ""
    suffix = ("." + name.rsplit(".", 1)[1].lower()) if "." in name else ""
    if suffix not in ALLOWED_UPLOADS:
        errors["file"] = _("Upload one of: %(types)s.") % {
            "types": ", ".join(sorted(ALLOWED_UPLOADS))
        }
    if upload is not None and upload.size > MAX_UPLOAD_BYTES:
        errors["file"] = _("The file is larger than 20 MB.")
    if agreement is not None and agreement.engagement_id != engagement.pk:
        errors["agreement"] = _("That agreement belongs to another engagement.")
    if errors:
        raise ValidationError(errors)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    document = Document(
        organisation=engagement.organisation,
        created_by=origin.user,
        engagement=engagement,
        agreement=agreement,
        kind=kind,
        title=title.strip(),
        period=period.strip(),
        original_name=name.rsplit("/", 1)[-1][:255],
        content_type=mimetypes.guess_type(name)[0] or "application/octet-stream",
        size=upload.size,
    )
    document.file.save(name, upload, save=False)
    document.save()
    _event(engagement, EventType.DOCUMENT_ADDED, origin, _today(), kind=kind)
    _audit_engagement(origin, engagement, "document", kind=kind, sha256=digest.hexdigest())
    return document


@transaction.atomic
def funding_year_set(
    *,
    origin: Origin,
    country_project: Organisation,
    fiscal_year: int,
    starts_on: dt.date,
    ends_on: dt.date,
    amount: Decimal,
    currency: str,
    status: str,
) -> FundingYear:
    """Create or change a country project's PSE budget for one fiscal year."""
    if country_project.kind != OrganisationKind.COUNTRY_PROJECT:
        raise ValidationError({"organisation": _("PSE budgets belong to a country project.")})
    _choice(status, FundingStatus.values, "status")
    errors = {}
    if ends_on <= starts_on:
        errors["ends_on"] = _("The fiscal year must end after it starts.")
    if amount is None or amount < 0:
        errors["amount"] = _("The budget cannot be negative.")
    if not (len(currency or "") == 3 and currency.isalpha()):
        errors["currency"] = _("Give a three-letter currency code, e.g. USD.")
    if errors:
        raise ValidationError(errors)
    row, _created = FundingYear.objects.update_or_create(
        organisation=country_project,
        fiscal_year=fiscal_year,
        defaults={
            "starts_on": starts_on,
            "ends_on": ends_on,
            "amount": amount,
            "currency": currency.upper(),
            "status": status,
            "created_by": origin.user,
        },
    )
    _audit(
        origin,
        Action.CHANGE,
        "funding_year",
        row,
        country_project,
        fiscal_year=fiscal_year,
        status=status,
    )
    return row


# --- stream 1 and stream 2 ------------------------------------------------------------------


@transaction.atomic
def workstream_add(
    *, origin: Origin, engagement: Engagement, title: str, description: str = ""
) -> Workstream:
    if not title.strip():
        raise ValidationError({"title": _("Give the workstream a title.")})
    workstream = Workstream.objects.create(
        organisation=engagement.organisation,
        created_by=origin.user,
        engagement=engagement,
        title=title.strip(),
        description=description.strip(),
    )
    _event(
        engagement, EventType.WORKSTREAM_ADDED, origin, _today(), workstream=str(workstream.uuid)
    )
    _audit_engagement(origin, engagement, "workstream")
    return workstream


def _activity_validate(status: str, done_on: dt.date | None) -> None:
    _choice(status, ActivityStatus.values, "status")
    _not_future(done_on, "done_on")
    if status == ActivityStatus.IMPLEMENTED and done_on is None:
        raise ValidationError({"done_on": _("Give the date the activity was implemented.")})


@transaction.atomic
def activity_add(
    *,
    origin: Origin,
    workstream: Workstream,
    title: str,
    planned_on: dt.date,
    status: str = ActivityStatus.PLANNED,
    done_on: dt.date | None = None,
    result: str = "",
) -> Activity:
    if not title.strip():
        raise ValidationError({"title": _("Give the activity a title.")})
    _activity_validate(status, done_on)
    activity = Activity.objects.create(
        organisation=workstream.organisation,
        created_by=origin.user,
        workstream=workstream,
        title=title.strip(),
        planned_on=planned_on,
        status=status,
        done_on=done_on if status == ActivityStatus.IMPLEMENTED else None,
        result=result.strip(),
    )
    engagement = workstream.engagement
    _event(engagement, EventType.ACTIVITY_RECORDED, origin, done_on or _today(), status=status)
    _audit_engagement(origin, engagement, "activity", status=status)
    return activity


@transaction.atomic
def activity_update(
    *, origin: Origin, activity: Activity, status: str, done_on: dt.date | None, result: str
) -> Activity:
    _activity_validate(status, done_on)
    activity.status = status
    activity.done_on = done_on if status == ActivityStatus.IMPLEMENTED else None
    activity.result = result.strip()
    activity.save()
    engagement = activity.workstream.engagement
    _event(engagement, EventType.ACTIVITY_RECORDED, origin, done_on or _today(), status=status)
    _audit_engagement(origin, engagement, "activity", status=status)
    return activity


@transaction.atomic
def opening_add(
    *,
    origin: Origin,
    engagement: Engagement,
    role: str,
    location: str,
    opened_on: dt.date,
    skills: str = "",
    wage: Decimal | None = None,
    wage_currency: str = "",
    wage_period: str = "",
    positions: int = 1,
) -> JobOpening:
    errors = {}
    if not role.strip():
        errors["role"] = _("Name the role.")
    if not location.strip():
        errors["location"] = _("Say where the job is.")
    if positions < 1:
        errors["positions"] = _("At least one position.")
    if wage is not None and wage < 0:
        errors["wage"] = _("The wage cannot be negative.")
    if errors:
        raise ValidationError(errors)
    _not_future(opened_on, "opened_on")
    opening = JobOpening.objects.create(
        organisation=engagement.organisation,
        created_by=origin.user,
        engagement=engagement,
        role=role.strip(),
        location=location.strip(),
        opened_on=opened_on,
        skills=skills.strip(),
        wage=wage,
        wage_currency=(wage_currency or "").upper(),
        wage_period=wage_period,
        positions=positions,
    )
    _event(engagement, EventType.OPENING_ADDED, origin, opened_on, opening=str(opening.uuid))
    _audit_engagement(origin, engagement, "opening")
    return opening


def opening_set_status(*, origin: Origin, opening: JobOpening, status: str) -> JobOpening:
    _choice(status, OpeningStatus.values, "status")
    opening.status = status
    opening.save(update_fields=["status", "modified_at"])
    _audit_engagement(origin, opening.engagement, "opening_status", status=status)
    return opening


@transaction.atomic
def placement_link(*, origin: Origin, opening: JobOpening, job_placement) -> Placement:
    """Link a survivor's job-placement service (services.JobPlacement) to an opening.

    The caller has checked that the user may see the survivor. The survivor must belong to the
    engagement's country project, the episode must be a job placement, and one placement is
    linked once.
    """
    episode = job_placement.episode
    engagement = opening.engagement
    if episode.service_type.code != "job_placement":
        raise ValidationError({"job_placement": _("That service is not a job placement.")})
    if not episode.survivor.organisation.path.startswith(engagement.organisation.path):
        raise ValidationError(
            {"job_placement": _("The survivor is not in this engagement's country project.")}
        )
    if Placement.objects.filter(job_placement=job_placement).exists():
        raise ValidationError({"job_placement": _("That placement is already linked.")})
    placement = Placement.objects.create(
        organisation=engagement.organisation,
        created_by=origin.user,
        opening=opening,
        job_placement=job_placement,
    )
    # The event names the opening, never the survivor: engagement history is read by roles
    # that may not see survivors.
    _event(
        engagement,
        EventType.PLACEMENT_LINKED,
        origin,
        job_placement.start_date,
        opening=str(opening.uuid),
    )
    audit_write(
        origin=origin,
        action=Action.CHANGE,
        object_type="survivor",
        object_ref=episode.survivor.code,
        organisation_code=episode.survivor.organisation.code,
        detail={"what": "placement_linked", "opening": str(opening.uuid)},
    )
    return placement


# --- actions, check-ins, health checks ------------------------------------------------------


@transaction.atomic
def action_log(
    *,
    origin: Origin,
    engagement: Engagement,
    on: dt.date,
    level: str,
    description: str,
    agreement: Agreement | None = None,
    government_present: bool = False,
    expected_policy_change: str = "",
) -> PartnerAction:
    """Log an action at the donors' level; the level's definition (PSE-2) is enforced."""
    _choice(level, ActionLevel.values, "level")
    _not_future(on, "on")
    errors = {}
    if not description.strip():
        errors["description"] = _("Say what happened.")
    if level == ActionLevel.HIGH:
        if agreement is None or agreement.engagement_id != engagement.pk:
            errors["agreement"] = _("A high-level action is a signed agreement: choose it.")
        elif agreement.kind not in PARTNERSHIP_AGREEMENTS or agreement.signed_on is None:
            errors["agreement"] = _("Choose a signed MoU or partnership agreement.")
        elif not agreement.commitments.filter(side=Side.COMPANY).exists():
            errors["agreement"] = _(
                "A high-level action commits the company's resources: record them first."
            )
    if level == ActionLevel.MEDIUM:
        if not government_present:
            errors["government_present"] = _(
                "A medium-level action is a meeting of the private sector with government."
            )
        if not expected_policy_change.strip():
            errors["expected_policy_change"] = _("Say which policy change is expected.")
    if errors:
        raise ValidationError(errors)
    action = PartnerAction.objects.create(
        organisation=engagement.organisation,
        created_by=origin.user,
        engagement=engagement,
        on=on,
        level=level,
        description=description.strip(),
        agreement=agreement if level == ActionLevel.HIGH else None,
        government_present=government_present,
        expected_policy_change=expected_policy_change.strip(),
    )
    _event(engagement, EventType.ACTION_LOGGED, origin, on, level=level)
    _audit_engagement(origin, engagement, "action", level=level)
    return action


@transaction.atomic
def check_in_record(
    *, origin: Origin, engagement: Engagement, on: dt.date, mode: str, summary: str = ""
) -> CheckIn:
    _choice(mode, CheckInMode.values, "mode")
    _not_future(on, "on")
    check_in = CheckIn.objects.create(
        organisation=engagement.organisation,
        created_by=origin.user,
        engagement=engagement,
        on=on,
        mode=mode,
        summary=summary.strip(),
    )
    _event(engagement, EventType.CHECK_IN, origin, on, mode=mode)
    _audit_engagement(origin, engagement, "check_in")
    return check_in


@transaction.atomic
def health_check_record(
    *,
    origin: Origin,
    engagement: Engagement,
    on: dt.date,
    ratings: dict[tuple[str, str], int | None],
    note: str = "",
) -> HealthCheck:
    """Each side rates each factor 1–5; every factor needs at least one side's rating."""
    _not_future(on, "on")
    factors = [name for name, _label in HEALTH_FACTORS]
    errors = {}
    rows = []
    for factor in factors:
        rated = False
        for side in Side.values:
            score = ratings.get((side, factor))
            if score in (None, ""):
                continue
            if not isinstance(score, int) or not 1 <= score <= 5:
                errors[f"{side}_{factor}"] = _("Rate from 1 to 5.")
                continue
            rated = True
            rows.append((side, factor, score))
        if not rated and f"company_{factor}" not in errors and f"project_{factor}" not in errors:
            errors[f"project_{factor}"] = _("At least one side rates every factor.")
    if errors:
        raise ValidationError(errors)
    check = HealthCheck.objects.create(
        organisation=engagement.organisation,
        created_by=origin.user,
        engagement=engagement,
        on=on,
        note=note.strip(),
    )
    HealthRating.objects.bulk_create(
        HealthRating(health_check=check, side=side, factor=factor, score=score)
        for side, factor, score in rows
    )
    _event(engagement, EventType.HEALTH_CHECK, origin, on)
    _audit_engagement(origin, engagement, "health_check")
    return check


# --- stakeholders ---------------------------------------------------------------------------


def stakeholder_create(
    *, origin: Origin, implementer: Organisation, name: str, kind: str, country: str = ""
) -> Stakeholder:
    _choice(kind, StakeholderKind.values, "kind")
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Name the stakeholder.")})
    country = (country or "").strip().upper()
    if country and country not in ALPHA2:
        raise ValidationError({"country": _("Not an ISO 3166 alpha-2 country code.")})
    if Stakeholder.objects.filter(organisation=implementer, name__iexact=name).exists():
        raise ValidationError({"name": _("%(name)s is already listed.") % {"name": name}})
    stakeholder = Stakeholder.objects.create(
        organisation=implementer, created_by=origin.user, name=name, kind=kind, country=country
    )
    _audit(origin, Action.CREATE, "stakeholder", stakeholder, implementer)
    return stakeholder


@transaction.atomic
def stakeholder_link(
    *, origin: Origin, engagement: Engagement, stakeholder: Stakeholder, relationship: str = ""
) -> StakeholderLink:
    if stakeholder.organisation_id != engagement.company.organisation_id:
        raise ValidationError({"stakeholder": _("That stakeholder is in another registry.")})
    if StakeholderLink.objects.filter(engagement=engagement, stakeholder=stakeholder).exists():
        raise ValidationError({"stakeholder": _("Already linked.")})
    link = StakeholderLink.objects.create(
        engagement=engagement, stakeholder=stakeholder, relationship=relationship.strip()
    )
    _event(engagement, EventType.STAKEHOLDER_LINKED, origin, _today(), kind=stakeholder.kind)
    _audit_engagement(origin, engagement, "stakeholder")
    return link


# --- concerns (restricted) ------------------------------------------------------------------
# No EngagementEvent here: the engagement's history is read by people outside the group.


@transaction.atomic
def concern_record(
    *,
    origin: Origin,
    engagement: Engagement,
    found_on: dt.date,
    summary: str,
    nda_allows: str = "",
) -> Concern:
    """Record a suspected labour abuse in a partner's supply chain (restricted record)."""
    _not_future(found_on, "found_on")
    if not summary.strip():
        raise ValidationError({"summary": _("Describe what was found.")})
    concern = Concern.objects.create(
        organisation=engagement.organisation,
        created_by=origin.user,
        engagement=engagement,
        found_on=found_on,
        summary=summary.strip(),
        nda_allows=(nda_allows or "").strip(),
    )
    ConcernStep.objects.create(
        concern=concern, kind=ConcernStepKind.RECORDED, on=found_on, by=origin.user
    )
    _audit(origin, Action.CREATE, "concern", concern, engagement.organisation)
    return concern


@transaction.atomic
def concern_step_add(
    *,
    origin: Origin,
    concern: Concern,
    kind: str,
    on: dt.date,
    decided_by: str = "",
    note: str = "",
) -> ConcernStep:
    """One step of the protocol; a `closed` step closes the concern."""
    _choice(kind, ConcernStepKind.values, "kind")
    _not_future(on, "on")
    if kind == ConcernStepKind.RECORDED:
        raise ValidationError({"kind": _("The concern is already recorded.")})
    if concern.status == ConcernStatus.CLOSED:
        raise ValidationError({"kind": _("The concern is closed.")})
    if kind == ConcernStepKind.DECISION and not decided_by.strip():
        raise ValidationError({"decided_by": _("Say who decided.")})
    step = ConcernStep.objects.create(
        concern=concern,
        kind=kind,
        on=on,
        decided_by=decided_by.strip(),
        note=(note or "").strip(),
        by=origin.user,
    )
    if kind == ConcernStepKind.CLOSED:
        concern.status = ConcernStatus.CLOSED
        concern.save(update_fields=["status", "modified_at"])
    _audit(origin, Action.CHANGE, "concern", concern, concern.organisation, step=kind)
    return step


def concern_view_record(*, origin: Origin, concern: Concern) -> None:
    _audit(origin, Action.VIEW, "concern", concern, concern.organisation)
