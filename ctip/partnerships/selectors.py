"""Reads of `partnerships`. Every read path (pages, API, dashboards) starts from
``partnership_access``, the one scoping function of this app; anything out of scope is 404.

Who sees what (docs/partnerships.md):

- PSE officer: the registry of their implementer and every engagement of all its country
  projects; may write all of it.
- Programme manager: the registry of their implementer and their own country project's
  engagements (write); of other country projects' engagements only the summary on a company's
  page (who, stage, framing, avoided terms), never the engagement itself.
- M&E officer: as the programme manager, read-only.
- Donor: aggregates only (the PSE dashboard's counts and PSE indicators), no records.
- Case workers, supervisors, system administrators: nothing.
- Concerns: additionally only members of the ``pse-concerns`` group; for everyone else a
  concern does not exist (404, absent from every list and count).
"""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404

from ctip.core.models import Organisation, OrganisationKind, Role, User
from ctip.partnerships.models import (
    CONCERNS_GROUP,
    Company,
    Concern,
    Document,
    Engagement,
    Stakeholder,
)

EDIT_ROLES = {Role.PSE_OFFICER, Role.PROGRAMME_MANAGER}
READ_ROLES = EDIT_ROLES | {Role.ME_OFFICER}
AGGREGATE_ROLES = {Role.DONOR}


@dataclass(frozen=True)
class PartnershipAccess:
    """What one user may reach: the registry of ``implementer``, the engagements in the subtree
    of ``engagements_root``, whether they may write, and whether they see counts only."""

    implementer: Organisation | None = None
    engagements_root: Organisation | None = None
    can_edit: bool = False
    aggregates_root: Organisation | None = None

    @property
    def can_read(self) -> bool:
        return self.implementer is not None

    @property
    def can_see_aggregates(self) -> bool:
        return self.aggregates_root is not None


NO_ACCESS = PartnershipAccess()


def implementer_of(node: Organisation) -> Organisation | None:
    """The implementer at the top of ``node``'s branch (the tree's root above it)."""
    if node.kind == OrganisationKind.IMPLEMENTER:
        return node
    root_id = next((int(part) for part in node.path.strip("/").split("/") if part), None)
    if root_id is None:
        return None
    return Organisation.objects.filter(pk=root_id, kind=OrganisationKind.IMPLEMENTER).first()


def partnership_access(user: User) -> PartnershipAccess:
    """The one scoping function of `partnerships` (one condition per line, as tests cover)."""
    if not user.is_authenticated:
        return NO_ACCESS
    if user.organisation_id is None:
        return NO_ACCESS
    cached = getattr(user, "_partnership_access", None)
    if cached is not None:
        return cached
    access = NO_ACCESS
    node = user.organisation
    if user.role == Role.PSE_OFFICER:
        implementer = implementer_of(node)
        access = PartnershipAccess(implementer, implementer, True, implementer)
    elif user.role == Role.PROGRAMME_MANAGER:
        access = PartnershipAccess(implementer_of(node), node, True, node)
    elif user.role == Role.ME_OFFICER:
        access = PartnershipAccess(implementer_of(node), node, False, node)
    elif user.role in AGGREGATE_ROLES:
        access = PartnershipAccess(aggregates_root=node)
    if access.implementer is None and access.engagements_root is not None:
        access = PartnershipAccess(aggregates_root=access.aggregates_root)
    user._partnership_access = access
    return access


def user_can_see_partnerships(user: User) -> bool:
    """Whether the nav shows "Partnerships" (records or the aggregate dashboard)."""
    access = partnership_access(user)
    return access.can_read or access.can_see_aggregates


def user_in_concerns_group(user: User) -> bool:
    if not user.is_authenticated:
        return False
    cached = getattr(user, "_in_concerns_group", None)
    if cached is None:
        cached = user.groups.filter(name=CONCERNS_GROUP).exists()
        user._in_concerns_group = cached
    return cached


# --- querysets ------------------------------------------------------------------------------


def companies_visible_to(user: User) -> QuerySet[Company]:
    access = partnership_access(user)
    if not access.can_read:
        return Company.objects.none()
    return Company.objects.filter(organisation=access.implementer)


def engagements_visible_to(user: User) -> QuerySet[Engagement]:
    access = partnership_access(user)
    if not access.can_read:
        return Engagement.objects.none()
    return Engagement.objects.filter(
        organisation__path__startswith=access.engagements_root.path,
        company__organisation=access.implementer,
    )


def engagements_editable_by(user: User) -> QuerySet[Engagement]:
    if not partnership_access(user).can_edit:
        return Engagement.objects.none()
    return engagements_visible_to(user)


def engagement_summaries_for_company(user: User, company: Company) -> QuerySet[Engagement]:
    """Every engagement of a company in the implementer (the "who else is talking to it"
    table), for anyone who may see the company itself."""
    if not companies_visible_to(user).filter(pk=company.pk).exists():
        return Engagement.objects.none()
    return company.engagements.select_related("organisation", "lead").order_by("organisation__code")


def concerns_visible_to(user: User) -> QuerySet[Concern]:
    if not user_in_concerns_group(user):
        return Concern.objects.none()
    return Concern.objects.filter(engagement__in=engagements_visible_to(user))


def stakeholders_visible_to(user: User) -> QuerySet[Stakeholder]:
    access = partnership_access(user)
    if not access.can_read:
        return Stakeholder.objects.none()
    return Stakeholder.objects.filter(organisation=access.implementer)


def country_projects_visible_to(user: User) -> QuerySet[Organisation]:
    """Country projects whose engagements the user sees (for filters and the board)."""
    access = partnership_access(user)
    if not access.can_read:
        return Organisation.objects.none()
    return Organisation.objects.filter(
        kind=OrganisationKind.COUNTRY_PROJECT, path__startswith=access.engagements_root.path
    )


def country_projects_editable_by(user: User) -> QuerySet[Organisation]:
    if not partnership_access(user).can_edit:
        return Organisation.objects.none()
    return country_projects_visible_to(user)


# --- single records: 404 when out of scope ---------------------------------------------------


def _get(queryset, **lookup):
    try:
        return queryset.get(**lookup)
    except (queryset.model.DoesNotExist, ValueError) as exc:
        raise Http404("Not found.") from exc


def company_get(user: User, uuid) -> Company:
    return _get(companies_visible_to(user), uuid=uuid)


def company_for_edit(user: User, uuid) -> Company:
    if not partnership_access(user).can_edit:
        raise Http404("Not found.")
    return company_get(user, uuid)


def engagement_get(user: User, uuid) -> Engagement:
    return _get(
        engagements_visible_to(user).select_related("company", "organisation", "lead"), uuid=uuid
    )


def engagement_for_edit(user: User, uuid) -> Engagement:
    return _get(
        engagements_editable_by(user).select_related("company", "organisation", "lead"), uuid=uuid
    )


def concern_get(user: User, uuid) -> Concern:
    return _get(
        concerns_visible_to(user).select_related("engagement__company", "engagement__organisation"),
        uuid=uuid,
    )


def document_get(user: User, uuid) -> Document:
    return _get(
        Document.objects.filter(engagement__in=engagements_visible_to(user)).select_related(
            "engagement"
        ),
        uuid=uuid,
    )
