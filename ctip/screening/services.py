"""Writes of `screening`: record a screen, record that the person declined, and — with the
person's consent — register (or match) the survivor and send the referral in one step; and the
writes of the frameworks directory.

Screens answered by the person alone (the self-screen) write no audit entry: an entry carries an
exact time, which would undo the anonymity of a row that holds only a day.
"""

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ctip.cases.models import ConsentPurpose, Need, NeedStatus, Survivor
from ctip.cases.selectors import possible_duplicates
from ctip.cases.services import consent_record, need_assess, survivor_register
from ctip.core.audit import Action, Origin, audit_write
from ctip.core.countries import COUNTRY_NAMES
from ctip.core.models import Organisation, OrganisationKind, Role, User
from ctip.screening.models import Channel, ConsentState, Screen
from ctip.screening.questionnaire import (
    AGE_ANSWERS,
    ANSWERS,
    CURRENT_VERSION,
    LANGUAGES,
    structure,
)
from ctip.screening.rule import screen_evaluate
from ctip.services.models import FrameworkKind, ProtectionFramework, ServiceType
from ctip.services.services import referral_send

PARTIAL_DATE = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")


def _audit_screen(origin: Origin, action: str, screen: Screen, **detail) -> None:
    audit_write(
        origin=origin,
        action=action,
        object_type="screen",
        object_ref=screen.short_ref,
        organisation_code=screen.organisation.code,
        detail=detail,
    )


def _clean_answers(answers: dict[str, str], version: int) -> dict[str, str]:
    known = set(structure(version).item_ids)
    unknown = sorted(set(answers) - known)
    if unknown:
        raise ValidationError(
            {"answers": _("Unknown questions: %(ids)s.") % {"ids": ", ".join(unknown)}}
        )
    bad = sorted(key for key, value in answers.items() if value not in ANSWERS)
    if bad:
        raise ValidationError(
            {"answers": _("Answers must be yes, no or unsure (questions %(ids)s).")
             % {"ids": ", ".join(bad)}}
        )  # fmt: skip
    return {key: value for key, value in answers.items() if value}


@transaction.atomic
def screen_record(
    *,
    origin: Origin,
    organisation: Organisation,
    channel: str,
    language: str,
    age: str,
    answers: dict[str, str],
    screened_on: dt.date | None = None,
    screened_by: User | None = None,
    version: int = CURRENT_VERSION,
    audit: bool = True,
) -> Screen:
    """Save one screen and the rule's result. No identifying data about the person is taken.

    The outreach channel needs the worker (``screened_by``); the self-screen must not have one.
    """
    errors = {}
    if channel not in Channel.values:
        errors["channel"] = _("Unknown channel.")
    if language not in LANGUAGES:
        errors["language"] = _("Unknown language.")
    if age not in AGE_ANSWERS:
        errors["age"] = _("Choose the person's age group (or 'not sure').")
    if channel == Channel.OUTREACH and screened_by is None:
        errors["screened_by"] = _("An outreach screen is recorded by a staff member.")
    if channel == Channel.SELF and screened_by is not None:
        errors["screened_by"] = _("A self-screen has no staff member.")
    if organisation.kind not in (OrganisationKind.PARTNER, OrganisationKind.SITE):
        errors["organisation"] = _("Screens are recorded by a partner organisation or site.")
    screened_on = screened_on or timezone.localdate()
    if screened_on > timezone.localdate():
        errors["screened_on"] = _("The date of the screen cannot be in the future.")
    if errors:
        raise ValidationError(errors)
    answers = _clean_answers(answers, version)
    result = screen_evaluate(answers, age=age, questionnaire=structure(version))
    screen = Screen.objects.create(
        organisation=organisation,
        channel=channel,
        language=language,
        questionnaire_version=version,
        screened_on=screened_on,
        age=age,
        answers=answers,
        recruitment_positive=result.dimensions["recruitment"].positive,
        duress_positive=result.dimensions["duress"].positive,
        leaving_positive=result.dimensions["leaving"].positive,
        penalty_positive=result.dimensions["penalty"].positive,
        any_positive=result.any_positive,
        act=result.act,
        means=result.means,
        purpose=result.purpose,
        suggests_referral=result.suggests_referral,
        consent=ConsentState.NOT_ASKED if channel == Channel.SELF else ConsentState.PENDING,
        screened_by=screened_by,
    )
    if audit and channel == Channel.OUTREACH:
        _audit_screen(origin, Action.CREATE, screen, suggests=result.suggests_referral)
    return screen


@transaction.atomic
def screen_decline(*, origin: Origin, screen: Screen) -> Screen:
    """The person did not consent: the screen stays anonymous, counted and nothing more."""
    if screen.consent != ConsentState.PENDING:
        raise ValidationError(_("Consent was already recorded for this screen."))
    screen.consent = ConsentState.DECLINED
    screen.save(update_fields=["consent"])
    _audit_screen(origin, Action.CHANGE, screen, consent="declined")
    return screen


class PossibleDuplicates(Exception):
    """Survivors in the user's scope who may be this person: choose one, or register anyway."""

    def __init__(self, matches: list[Survivor]):
        super().__init__(f"{len(matches)} possible matches")
        self.matches = matches


def _need_for(*, origin: Origin, survivor: Survivor, service_type: ServiceType, on: dt.date):
    """An open need the referral answers: the survivor's own open one of that category, or a
    new one assessed today (the screen is the assessment)."""
    if not service_type.counts_as_service:
        return None
    existing = (
        Need.objects.filter(
            survivor=survivor, category=service_type.category, status=NeedStatus.OPEN
        )
        .order_by("-assessed_on", "-id")
        .first()
    )
    if existing is not None:
        return existing
    return need_assess(
        origin=origin, survivor=survivor, category=service_type.category, assessed_on=on
    )


@transaction.atomic
def screen_refer(
    *,
    origin: Origin,
    user: User,
    screen: Screen,
    provider: Organisation,
    service_type: ServiceType,
    consent_on: dt.date,
    data_sharing: bool = False,
    survivor: Survivor | None = None,
    given_name: str = "",
    family_name: str = "",
    phone: str = "",
    sex: str = "unknown",
    birth_year: int | None = None,
    nationality: str = "",
    register_anyway: bool = False,
    sent_on: dt.date | None = None,
) -> Screen:
    """With the person's consent, in one step: match or register the survivor, record the
    consents (data processing and referral, and data sharing when given), assess the need the
    service answers, send the referral through `services.referral_send`, and link the screen.

    Raises PossibleDuplicates when a new registration looks like someone already in the user's
    scope (nothing is written); ValidationError for everything else (nothing is written).
    """
    if screen.channel != Channel.OUTREACH:
        raise ValidationError(_("A self-screen is anonymous: it cannot lead to a referral."))
    if screen.consent == ConsentState.GIVEN:
        raise ValidationError(_("This screen has already led to a referral."))
    if consent_on > timezone.localdate():
        raise ValidationError({"consent_on": _("The date of consent cannot be in the future.")})
    if consent_on < screen.screened_on:
        raise ValidationError({"consent_on": _("Consent cannot come before the screen.")})
    if survivor is None:
        if not (given_name.strip() or family_name.strip()):
            raise ValidationError(
                {"given_name": _("Give the person's name, or choose the matching survivor.")}
            )
        if not register_anyway:
            matches = list(
                possible_duplicates(
                    user,
                    given_name=given_name,
                    family_name=family_name,
                    birth_year=birth_year,
                    phone=phone,
                ).select_related("organisation")[:10]
            )
            if matches:
                raise PossibleDuplicates(matches)
        worker = user if user.role in (Role.CASE_WORKER, Role.CASE_SUPERVISOR) else None
        if worker is not None and not worker.organisation.path.startswith(screen.organisation.path):
            worker = None
        survivor = survivor_register(
            origin=origin,
            organisation=screen.organisation,
            sex=sex,
            birth_year=birth_year,
            nationality=nationality,
            given_name=given_name,
            family_name=family_name,
            phone=phone,
            case_worker=worker,
            opened_on=consent_on,
        )
    consent_record(
        origin=origin,
        survivor=survivor,
        purpose=ConsentPurpose.DATA_PROCESSING,
        given=True,
        decided_on=consent_on,
    )
    consent_record(
        origin=origin,
        survivor=survivor,
        purpose=ConsentPurpose.REFERRAL,
        given=True,
        decided_on=consent_on,
    )
    if data_sharing:
        consent_record(
            origin=origin,
            survivor=survivor,
            purpose=ConsentPurpose.DATA_SHARING,
            given=True,
            decided_on=consent_on,
        )
    need = _need_for(origin=origin, survivor=survivor, service_type=service_type, on=consent_on)
    referral = referral_send(
        origin=origin,
        survivor=survivor,
        service_type=service_type,
        to_provider=provider,
        sent_on=sent_on or timezone.localdate(),
        need=need,
    )
    screen.consent = ConsentState.GIVEN
    screen.consent_on = consent_on
    screen.survivor = survivor
    screen.referral = referral
    screen.save(update_fields=["consent", "consent_on", "survivor", "referral"])
    _audit_screen(
        origin, Action.CHANGE, screen, consent="given", survivor=survivor.code,
        referral=str(referral.uuid),
    )  # fmt: skip
    return screen


# --- the frameworks directory -------------------------------------------------------------------

FRAMEWORK_FIELDS = (
    "title",
    "country",
    "countries",
    "kind",
    "issuing_body",
    "adopted",
    "amended",
    "url",
    "summary",
)


def _clean_framework(values: dict) -> dict:
    errors = {}
    cleaned = dict(values)
    cleaned["title"] = (values.get("title") or "").strip()
    if not cleaned["title"]:
        errors["title"] = _("Give the instrument's title.")
    country = (values.get("country") or "").strip().upper()
    if country and country not in COUNTRY_NAMES:
        errors["country"] = _("%(code)s is not an ISO 3166 country code.") % {"code": country}
    cleaned["country"] = country
    raw = values.get("countries") or []
    if isinstance(raw, str):
        raw = re.split(r"[;,\s]+", raw)
    codes = sorted({code.strip().upper() for code in raw if code.strip()})
    unknown = [code for code in codes if code not in COUNTRY_NAMES]
    if unknown:
        errors["countries"] = _("Not ISO 3166 country codes: %(codes)s.") % {
            "codes": ", ".join(unknown)
        }
    if not country and not codes:
        errors["country"] = _(
            "Give the country, or for a regional instrument the countries it applies to."
        )
    if country and codes:
        errors["countries"] = _("A national instrument has one country: leave this empty.")
    cleaned["countries"] = f";{';'.join(codes)};" if codes else ""
    if values.get("kind") not in FrameworkKind.values:
        errors["kind"] = _("Choose the kind of instrument.")
    adopted = (values.get("adopted") or "").strip()
    if adopted and not PARTIAL_DATE.match(adopted):
        errors["adopted"] = _(
            "Write the date as YYYY, YYYY-MM or YYYY-MM-DD (as precise as known)."
        )
    cleaned["adopted"] = adopted
    amended_parts = [p.strip() for p in re.split(r"[;,]", values.get("amended") or "") if p.strip()]
    if any(not PARTIAL_DATE.match(part) for part in amended_parts):
        errors["amended"] = _(
            "Write each amendment as YYYY, YYYY-MM or YYYY-MM-DD, separated by ';'."
        )
    cleaned["amended"] = "; ".join(amended_parts)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _audit_framework(origin: Origin, action: str, framework: ProtectionFramework, **detail):
    audit_write(
        origin=origin,
        action=action,
        object_type="protection_framework",
        object_ref=str(framework.pk),
        detail=detail,
    )


@transaction.atomic
def framework_create(*, origin: Origin, **values) -> ProtectionFramework:
    unknown = set(values) - set(FRAMEWORK_FIELDS)
    if unknown:
        raise TypeError(f"not framework fields: {sorted(unknown)}")
    cleaned = _clean_framework(values)
    framework = ProtectionFramework.objects.create(modified_by=origin.user, **cleaned)
    _audit_framework(origin, Action.CREATE, framework)
    return framework


@transaction.atomic
def framework_update(*, origin: Origin, framework: ProtectionFramework, **values) -> list[str]:
    unknown = set(values) - set(FRAMEWORK_FIELDS)
    if unknown:
        raise TypeError(f"not framework fields: {sorted(unknown)}")
    current = {name: getattr(framework, name) for name in FRAMEWORK_FIELDS}
    current["countries"] = framework.country_list
    cleaned = _clean_framework({**current, **values})
    changed = [name for name in FRAMEWORK_FIELDS if getattr(framework, name) != cleaned[name]]
    if not changed:
        return []
    for name in changed:
        setattr(framework, name, cleaned[name])
    framework.modified_by = origin.user
    framework.save()
    _audit_framework(origin, Action.CHANGE, framework, fields=changed)
    return changed


@transaction.atomic
def framework_set_listed(
    *, origin: Origin, framework: ProtectionFramework, listed: bool
) -> ProtectionFramework:
    """Reference data is retired, never deleted (DESIGN.md, model hygiene)."""
    if framework.active != listed:
        framework.active = listed
        framework.modified_by = origin.user
        framework.save(update_fields=["active", "modified_by", "modified_at"])
        _audit_framework(origin, Action.CHANGE, framework, listed=listed)
    return framework
