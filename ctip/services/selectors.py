"""Reads of `services`. Every read path (pages, API, imports) starts from one of the functions
at the top of this module; anything out of scope answers 404.

- Episodes, and referrals on the sending side, are read through their survivor
  (`survivors_visible_to`): when a case moves to another organisation its whole service history
  goes with it, and the sender keeps no access.
- Referrals on the receiving side: case workers and supervisors of a provider see the referrals
  sent to their organisation's subtree, with only the minimum about the survivor.
- Case transfers: the sending side sees the ones it asked for, the receiving side the ones
  addressed to its subtree.
- The provider directory is shared across the implementer: providers are not survivor data.
"""

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from ctip.cases.models import LivelihoodInterest, Survivor
from ctip.cases.selectors import consent_is_given, survivors_visible_to
from ctip.core.models import Organisation, OrganisationKind, Role, User
from ctip.core.selectors import user_can_read_pii, user_can_read_records
from ctip.services.models import (
    BusinessSupport,
    CaseTransfer,
    ProjectServiceSettings,
    ProtectionFramework,
    ProviderProfile,
    Referral,
    ReferralEvent,
    ReferralStatus,
    ServiceEpisode,
    ServiceType,
    TransferStatus,
)

# Referrals with no answer after this many days are on the worklist.
UNANSWERED_DAYS = 14
# Statuses in which a referral is still open (the loop has not closed).
OPEN_REFERRAL_STATUSES = (
    ReferralStatus.SENT,
    ReferralStatus.ACCEPTED,
    ReferralStatus.SERVICE_STARTED,
)
# Roles that answer referrals and transfers addressed to their organisation.
RECEIVING_ROLES = {Role.CASE_WORKER, Role.CASE_SUPERVISOR}
LIVELIHOOD_TYPES = ("skills_training", "job_placement", "business_support")
# OUT-3: which service types answer which stated interest (one place; docs/services.md).
INTEREST_MATCHES: dict[str, tuple[str, ...]] = {
    LivelihoodInterest.SKILLS_TRAINING: ("skills_training",),
    LivelihoodInterest.JOB_PLACEMENT: ("job_placement",),
    LivelihoodInterest.BUSINESS_SUPPORT: ("business_support",),
    LivelihoodInterest.AGRICULTURE: ("skills_training", "business_support"),
    LivelihoodInterest.EDUCATION: ("education",),
    LivelihoodInterest.OTHER: (),
}


# --- the scoping functions --------------------------------------------------------------------


def episodes_visible_to(user: User) -> QuerySet[ServiceEpisode]:
    """Episodes of the survivors the user may see (through `survivors_visible_to`)."""
    queryset = ServiceEpisode.objects.filter(survivor__in=survivors_visible_to(user).values("pk"))
    if not user_can_read_pii(user):
        queryset = queryset.defer("notes")
    return queryset


def user_receives_referrals(user: User) -> bool:
    """Case workers and supervisors answer what is sent to their organisation's subtree."""
    return (
        user.is_authenticated and user.organisation_id is not None and user.role in RECEIVING_ROLES
    )


def referrals_visible_to(user: User) -> QuerySet[Referral]:
    """Referrals of survivors in scope (sending side) or sent to the user's subtree (receiving
    side, case workers and supervisors only)."""
    if not user.is_authenticated:
        return Referral.objects.none()
    condition = Q(survivor__in=survivors_visible_to(user).values("pk"))
    if user_receives_referrals(user):
        condition |= Q(to_provider__path__startswith=user.organisation.path)
    return Referral.objects.filter(condition)


def referrals_received_by(user: User) -> QuerySet[Referral]:
    """The receiving side alone: what was sent to the user's organisation subtree."""
    if not user_receives_referrals(user):
        return Referral.objects.none()
    return Referral.objects.filter(to_provider__path__startswith=user.organisation.path)


def referrals_sent_visible_to(user: User) -> QuerySet[Referral]:
    """The sending side alone: referrals of survivors the user may see."""
    return Referral.objects.filter(survivor__in=survivors_visible_to(user).values("pk"))


def transfers_visible_to(user: User) -> QuerySet[CaseTransfer]:
    """Transfers from or to the user's subtree, for roles that work on cases (PII roles).

    The sender keeps the record of what it handed over (code, receiver, dates) after the case
    has left: its audit trail. The survivor's record itself is no longer reachable.
    """
    if not user_can_read_pii(user):
        return CaseTransfer.objects.none()
    path = user.organisation.path
    return CaseTransfer.objects.filter(
        Q(from_organisation__path__startswith=path) | Q(to_organisation__path__startswith=path)
    )


def providers_visible_to(user: User) -> QuerySet[ProviderProfile]:
    """Every provider of the user's implementer (the tree's root): a shared directory."""
    if not user.is_authenticated or user.organisation_id is None:
        return ProviderProfile.objects.none()
    root = implementer_path(user.organisation.path)
    return ProviderProfile.objects.filter(organisation__path__startswith=root)


# --- helpers ----------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def implementer_path(path: str) -> str:
    """'/1/4/9/' → '/1/': the root of the tree the node lies in."""
    return path[: path.index("/", 1) + 1]


def ancestor_ids(path: str) -> list[int]:
    return [int(part) for part in path.strip("/").split("/") if part]


def country_project_of(organisation: Organisation) -> Organisation | None:
    """The country project above (or at) an organisation."""
    return (
        Organisation.objects.filter(
            pk__in=ancestor_ids(organisation.path), kind=OrganisationKind.COUNTRY_PROJECT
        )
        .order_by("-path")
        .first()
    )


def same_tree(a: Organisation, b: Organisation) -> bool:
    return implementer_path(a.path) == implementer_path(b.path)


def active_service_types() -> QuerySet[ServiceType]:
    return ServiceType.objects.filter(active=True)


def service_type_get(code: str, *, active_only: bool = False) -> ServiceType:
    queryset = active_service_types() if active_only else ServiceType.objects.all()
    try:
        return queryset.get(code=code)
    except ServiceType.DoesNotExist as exc:
        raise Http404("No such service type.") from exc


# --- episodes ---------------------------------------------------------------------------------


def episode_get(user: User, uuid) -> ServiceEpisode:
    queryset = episodes_visible_to(user).select_related(
        "survivor", "survivor__organisation", "service_type", "provider", "need"
    )
    if not user_can_read_pii(user):
        queryset = queryset.defer(*(f"survivor__{c}" for c in _survivor_pii()))
    try:
        return queryset.get(uuid=uuid)
    except (ServiceEpisode.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404("No such episode.") from exc


def _survivor_pii() -> tuple[str, ...]:
    from ctip.cases.selectors import PII_COLUMNS

    return PII_COLUMNS


def episodes_of(survivor: Survivor, *, with_notes: bool) -> QuerySet[ServiceEpisode]:
    """A survivor's episodes with what the case plan shows beside each (one query)."""
    queryset = survivor.episodes.select_related(
        "service_type",
        "provider",
        "need",
        "skills_training",
        "job_placement",
        "business_support",
        "referral",
    ).order_by("started_on", "id")
    if not with_notes:
        queryset = queryset.defer("notes")
    return queryset


# --- referrals --------------------------------------------------------------------------------


def referral_get(user: User, uuid) -> Referral:
    """A referral the user may read from either side; 404 otherwise."""
    queryset = referrals_visible_to(user).select_related(
        "survivor", "survivor__organisation", "service_type", "to_provider", "need",
        "organisation", "episode",
    )  # fmt: skip
    if not user_can_read_pii(user):
        queryset = queryset.defer("note", *(f"survivor__{c}" for c in _survivor_pii()))
    try:
        return queryset.get(uuid=uuid)
    except (Referral.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404("No such referral.") from exc


def referral_side(user: User, referral: Referral) -> str:
    """'sender' when the user may see the survivor's case, else 'receiver'."""
    if survivors_visible_to(user).filter(pk=referral.survivor_id).exists():
        return "sender"
    return "receiver"


def receiver_may_see_identity(referral: Referral) -> bool:
    """A provider sees the survivor's name and phone only with the data-sharing consent in
    force (the referral consent lets the case be referred; sharing who it is needs its own)."""
    return consent_is_given(referral.survivor, "data_sharing")


def referrals_of(survivor: Survivor) -> QuerySet[Referral]:
    return (
        survivor.referrals.select_related("service_type", "to_provider", "need", "episode")
        .prefetch_related(
            Prefetch(
                "events", queryset=ReferralEvent.objects.select_related("by", "by_organisation")
            )
        )
        .defer("note")
        .order_by("sent_on", "id")
    )


def unanswered_cutoff(today: dt.date | None = None) -> dt.date:
    """Referrals sent on or before this day and still `sent` are unanswered."""
    return (today or timezone.localdate()) - dt.timedelta(days=UNANSWERED_DAYS)


def referrals_unanswered(queryset: QuerySet[Referral], today: dt.date | None = None):
    return queryset.filter(status=ReferralStatus.SENT, sent_on__lte=unanswered_cutoff(today))


@dataclass(frozen=True)
class ReferralFilters:
    status: str = ""
    service_type: str = ""
    unanswered: bool = False


def referral_list(queryset: QuerySet[Referral], filters: ReferralFilters) -> QuerySet[Referral]:
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.service_type:
        queryset = queryset.filter(service_type__code=filters.service_type)
    if filters.unanswered:
        queryset = referrals_unanswered(queryset)
    return queryset.select_related(
        "survivor", "service_type", "to_provider", "need", "organisation"
    ).defer("note", *(f"survivor__{c}" for c in _survivor_pii()))


# --- transfers --------------------------------------------------------------------------------


def transfer_get(user: User, pk: int) -> CaseTransfer:
    try:
        return (
            transfers_visible_to(user)
            .select_related("survivor", "from_organisation", "to_organisation")
            .defer(*(f"survivor__{c}" for c in _survivor_pii()))
            .get(pk=pk)
        )
    except CaseTransfer.DoesNotExist as exc:
        raise Http404("No such transfer.") from exc


def transfers_incoming(user: User) -> QuerySet[CaseTransfer]:
    if not user_can_read_pii(user):
        return CaseTransfer.objects.none()
    return transfers_visible_to(user).filter(
        to_organisation__path__startswith=user.organisation.path
    )


def transfers_outgoing(user: User) -> QuerySet[CaseTransfer]:
    if not user_can_read_pii(user):
        return CaseTransfer.objects.none()
    return transfers_visible_to(user).filter(
        from_organisation__path__startswith=user.organisation.path
    )


def transfer_pending_for(survivor: Survivor) -> CaseTransfer | None:
    return (
        survivor.transfers.filter(status=TransferStatus.PENDING)
        .select_related("to_organisation")
        .first()
    )


def transfer_receivers(survivor: Survivor) -> QuerySet[Organisation]:
    """Partners and sites of the same implementer (any country project), but not the owner."""
    return (
        Organisation.objects.filter(
            path__startswith=implementer_path(survivor.organisation.path),
            kind__in=[OrganisationKind.PARTNER, OrganisationKind.SITE],
        )
        .exclude(pk=survivor.organisation_id)
        .order_by("path")
    )


# --- the provider directory -------------------------------------------------------------------


@dataclass(frozen=True)
class ProviderFilters:
    service_type: str = ""
    country: str = ""
    province: str = ""
    district: str = ""
    provider_type: str = ""
    accepts_referrals: bool = False


def provider_search(user: User, filters: ProviderFilters) -> QuerySet[ProviderProfile]:
    """Who offers this service in this place. An area covering a whole country matches every
    province and district in it; one covering a province matches every district in it."""
    queryset = providers_visible_to(user)
    if filters.service_type:
        queryset = queryset.filter(service_types__code=filters.service_type)
    if filters.provider_type:
        queryset = queryset.filter(organisation__provider_type=filters.provider_type)
    if filters.accepts_referrals:
        queryset = queryset.filter(accepts_ctip_referrals=True)
    if filters.country or filters.province or filters.district:
        area = Q()
        if filters.country:
            area &= Q(areas__country=filters.country.upper())
        if filters.province:
            area &= Q(areas__province="") | Q(areas__province__iexact=filters.province)
        if filters.district:
            area &= Q(areas__district="") | Q(areas__district__iexact=filters.district)
        queryset = queryset.filter(pk__in=ProviderProfile.objects.filter(area).values("pk"))
    return (
        queryset.distinct()
        .select_related("organisation")
        .prefetch_related("service_types", "areas")
        .order_by("organisation__name")
    )


def provider_get(user: User, code: str) -> ProviderProfile:
    try:
        return (
            providers_visible_to(user)
            .select_related("organisation")
            .prefetch_related("service_types", "areas")
            .get(organisation__code=code)
        )
    except ProviderProfile.DoesNotExist as exc:
        raise Http404("No such provider.") from exc


def area_choices(user: User) -> dict[str, list[str]]:
    """Countries, provinces and districts named in the directory (for the filters' lists)."""
    from ctip.services.models import ProviderArea

    areas = ProviderArea.objects.filter(
        provider__in=providers_visible_to(user).values("pk")
    ).values_list("country", "province", "district")
    countries, provinces, districts = set(), set(), set()
    for country, province, district in areas:
        countries.add(country)
        if province:
            provinces.add(province)
        if district:
            districts.add(district)
    return {
        "countries": sorted(countries),
        "provinces": sorted(provinces),
        "districts": sorted(districts),
    }


def provider_choices(survivor: Survivor, service_type: ServiceType | None = None):
    """Organisations an episode or referral can name: the directory's providers (those offering
    the type first when one is given) and the survivor's own organisation."""
    root = implementer_path(survivor.organisation.path)
    queryset = Organisation.objects.filter(path__startswith=root).filter(
        Q(provider_profile__isnull=False) | Q(pk=survivor.organisation_id)
    )
    if service_type is not None:
        queryset = queryset.annotate(
            offers=Count(
                "provider_profile__service_types",
                filter=Q(provider_profile__service_types=service_type),
            )
        ).order_by("-offers", "name")
    else:
        queryset = queryset.order_by("name")
    return queryset


# --- livelihood -------------------------------------------------------------------------------


def standards_for(organisation: Organisation) -> list[ProjectServiceSettings]:
    """The standard grants of the country projects above or below an organisation."""
    path = organisation.path
    return list(
        ProjectServiceSettings.objects.filter(
            Q(organisation__path__startswith=path) | Q(organisation_id__in=ancestor_ids(path))
        )
        .select_related("organisation")
        .order_by("organisation__name")
    )


def grants_differing(user: User) -> QuerySet[BusinessSupport]:
    """Business grants in scope that differ (amount or currency) from the standard grant of
    the country project the episode belongs to; projects without a standard are left out."""
    if not user_can_read_records(user):
        return BusinessSupport.objects.none()
    settings = ProjectServiceSettings.objects.select_related("organisation").exclude(
        standard_grant_amount__isnull=True
    )
    differs = Q(pk__in=[])
    for setting in settings:
        differs |= Q(episode__organisation__path__startswith=setting.organisation.path) & (
            ~Q(grant_amount=setting.standard_grant_amount)
            | ~Q(grant_currency=setting.standard_grant_currency)
        )
    return (
        BusinessSupport.objects.filter(
            episode__in=episodes_visible_to(user).values("pk"), grant_amount__isnull=False
        )
        .filter(differs)
        .select_related(
            "episode", "episode__survivor", "episode__organisation", "episode__provider"
        )
        .defer(*(f"episode__survivor__{c}" for c in _survivor_pii()), "episode__notes")
        .order_by("-episode__started_on", "-pk")
    )


def projects_managed_by(user: User) -> QuerySet[Organisation]:
    """Country projects whose standard grant the user may set: programme managers' projects
    (their node and below), and every project for system administrators."""
    if not user.is_authenticated:
        return Organisation.objects.none()
    projects = Organisation.objects.filter(kind=OrganisationKind.COUNTRY_PROJECT)
    if user.is_superuser or user.role == Role.SYSADMIN:
        return projects.order_by("name")
    if user.role != Role.PROGRAMME_MANAGER or user.organisation_id is None:
        return Organisation.objects.none()
    return projects.filter(
        Q(path__startswith=user.organisation.path) | Q(pk__in=ancestor_ids(user.organisation.path))
    ).order_by("name")


def livelihood_match(survivor: Survivor, episodes) -> dict:
    """OUT-3 for one survivor: stated interests beside the livelihood services offered."""
    interests = list(survivor.interests.all().defer("detail"))
    offered = [e for e in episodes if e.service_type.code in LIVELIHOOD_TYPES]
    wanted_types = {code for i in interests for code in INTEREST_MATCHES.get(i.interest, ())}
    rows = [(e, e.service_type.code in wanted_types) for e in offered]
    return {
        "interests": interests,
        "offered": rows,
        "matched": any(match for _e, match in rows),
    }


# --- the case plan ----------------------------------------------------------------------------


@dataclass
class NeedPlan:
    need: object
    episodes: list
    referrals: list


@dataclass
class TimelineItem:
    on: dt.date
    kind: str  # need, episode_start, episode_end, referral
    text: str
    obj: object = None


@dataclass
class CasePlan:
    survivor: Survivor
    needs: list[NeedPlan]
    unlinked_episodes: list
    unlinked_referrals: list
    timeline: list[TimelineItem]
    counted_episodes: int
    one_off_episodes: int
    open_referrals: int
    unanswered_referrals: int
    livelihood: dict
    pending_transfer: CaseTransfer | None


def case_plan(survivor: Survivor, *, with_notes: bool) -> CasePlan:
    """Needs → their episodes and referrals, and one timeline of all of it (a few queries)."""
    from django.utils.translation import gettext as _

    needs = list(survivor.needs.all() if with_notes else survivor.needs.defer("notes"))
    episodes = list(episodes_of(survivor, with_notes=with_notes))
    referrals = list(referrals_of(survivor))
    by_need = {need.pk: NeedPlan(need, [], []) for need in needs}
    unlinked_episodes, unlinked_referrals = [], []
    for episode in episodes:
        (
            by_need[episode.need_id].episodes if episode.need_id in by_need else unlinked_episodes
        ).append(episode)
    for referral in referrals:
        target = by_need.get(referral.need_id)
        (target.referrals if target else unlinked_referrals).append(referral)

    timeline: list[TimelineItem] = []
    for need in needs:
        timeline.append(
            TimelineItem(
                need.assessed_on,
                "need",
                _("Need assessed: %(need)s") % {"need": need.get_category_display()},
                need,
            )
        )
    for episode in episodes:
        label = {"type": episode.service_type.name, "provider": episode.provider.name}
        timeline.append(
            TimelineItem(
                episode.started_on,
                "episode_start",
                _("%(type)s started with %(provider)s") % label,
                episode,
            )
        )
        if episode.ended_on:
            text = (
                _("%(type)s completed") % label
                if episode.status == "completed"
                else _("%(type)s discontinued") % label
            )
            timeline.append(TimelineItem(episode.ended_on, "episode_end", text, episode))
    for referral in referrals:
        for event in referral.events.all():
            timeline.append(
                TimelineItem(
                    event.on,
                    "referral",
                    _("Referral for %(type)s to %(provider)s: %(status)s")
                    % {
                        "type": referral.service_type.name,
                        "provider": referral.to_provider.name,
                        "status": event.get_status_display(),
                    },
                    referral,
                )
            )
    order = {"need": 0, "referral": 1, "episode_start": 2, "episode_end": 3}
    timeline.sort(key=lambda item: (item.on, order[item.kind]), reverse=True)
    cutoff = unanswered_cutoff()
    return CasePlan(
        survivor=survivor,
        needs=list(by_need.values()),
        unlinked_episodes=unlinked_episodes,
        unlinked_referrals=unlinked_referrals,
        timeline=timeline,
        counted_episodes=sum(e.service_type.counts_as_service for e in episodes),
        one_off_episodes=sum(not e.service_type.counts_as_service for e in episodes),
        open_referrals=sum(r.status in OPEN_REFERRAL_STATUSES for r in referrals),
        unanswered_referrals=sum(
            r.status == ReferralStatus.SENT and r.sent_on <= cutoff for r in referrals
        ),
        livelihood=livelihood_match(survivor, episodes),
        pending_transfer=transfer_pending_for(survivor),
    )


# --- protection frameworks (the directory's pages live in `screening`) -----------------------


def frameworks_for_countries(countries) -> QuerySet[ProtectionFramework]:
    """Listed instruments of these countries, national ones first, then the regional and
    international ones that apply to any of them. Reference data: no scoping needed."""
    codes = sorted({code.upper() for code in countries if code})
    if not codes:
        return ProtectionFramework.objects.none()
    condition = Q(country__in=codes)
    for code in codes:
        condition |= Q(country="", countries__contains=f";{code};")
    return ProtectionFramework.objects.filter(condition, active=True).order_by(
        "-country", "kind", "-adopted", "title"
    )


def frameworks_for_referral(referral: Referral) -> QuerySet[ProtectionFramework]:
    """The instruments of the referral's countries: the sender's and the provider's (a
    transnational referral shows both)."""
    return frameworks_for_countries(
        [referral.organisation.country_code(), referral.to_provider.country_code()]
    )
