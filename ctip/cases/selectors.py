"""Reads of survivors and their case records. Every read path (pages, API, CLI) starts from
``survivors_visible_to``: the one scoping function of `cases`."""

import re
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from ctip.cases.models import CaseStatus, Consent, Need, NeedStatus, Survivor
from ctip.core.crypto import full_name_index, name_index, normalise_phone, phone_index
from ctip.core.models import Organisation, User
from ctip.core.selectors import user_can_read_pii, user_can_read_records

CODE_PATTERN = re.compile(r"^[A-Z]{2}-[0-9A-Z]{4}-[0-9A-Z]{4}$")
CODE_PREFIX_PATTERN = re.compile(r"^[A-Z]{2}-[0-9A-Z-]{1,9}$")
PII_COLUMNS = ("given_name", "family_name", "phone", "address", "notes")


def survivors_visible_to(user: User) -> QuerySet[Survivor]:
    """Survivors whose owning organisation is in the user's subtree, for roles that see records.

    Users who may not read PII get querysets that never load the encrypted columns.
    """
    if not user.is_authenticated:
        return Survivor.objects.none()
    if not user_can_read_records(user):
        return Survivor.objects.none()
    queryset = Survivor.objects.filter(organisation__path__startswith=user.organisation.path)
    if not user_can_read_pii(user):
        queryset = queryset.defer(*PII_COLUMNS)
    return queryset


def survivor_get(user: User, code: str) -> Survivor:
    """The survivor with this code if the user may see it; 404 otherwise, never a hint."""
    try:
        return (
            survivors_visible_to(user)
            .select_related("organisation", "case_worker", "identifying_agency")
            .get(code=code.upper())
        )
    except Survivor.DoesNotExist as exc:
        raise Http404("No such survivor.") from exc


@dataclass(frozen=True)
class SurvivorFilters:
    q: str = ""
    status: str = ""
    sex: str = ""
    exploitation: str = ""
    organisation: str = ""
    case_worker: str = ""  # "me", a user id, or ""


def _search_condition(user: User, q: str) -> Q:
    """Code prefix for everyone; exact name or phone through blind indexes for PII roles."""
    text = q.strip()
    upper = text.upper()
    condition = Q(pk__in=[])
    if CODE_PATTERN.match(upper) or CODE_PREFIX_PATTERN.match(upper):
        condition |= Q(code__startswith=upper)
    if not user_can_read_pii(user):
        return condition
    if len(normalise_phone(text)) >= 6 and not re.search(r"[^\d\s+().-]", text):
        condition |= Q(phone_index=phone_index(text))
    name_key = name_index(text)
    if name_key:
        condition |= Q(given_name_index=name_key) | Q(family_name_index=name_key)
        full_key = full_name_index(text, "")
        if full_key:
            condition |= Q(full_name_index=full_key)
    return condition


def survivor_list(user: User, filters: SurvivorFilters) -> QuerySet[Survivor]:
    queryset = survivors_visible_to(user).select_related("organisation", "case_worker")
    if filters.q:
        queryset = queryset.filter(_search_condition(user, filters.q))
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.sex:
        queryset = queryset.filter(sex=filters.sex)
    if filters.exploitation:
        queryset = queryset.filter(exploitation__contains=f";{filters.exploitation};")
    if filters.organisation:
        queryset = queryset.filter(organisation__code=filters.organisation)
    if filters.case_worker == "me":
        queryset = queryset.filter(case_worker=user)
    elif filters.case_worker.isdigit():
        queryset = queryset.filter(case_worker_id=int(filters.case_worker))
    return queryset.order_by("-opened_on", "-id")


def possible_duplicates(
    user: User,
    *,
    given_name: str,
    family_name: str,
    birth_year: int | None,
    phone: str,
    exclude_pk: int | None = None,
) -> QuerySet[Survivor]:
    """Same name (either order) and birth year, or same phone, within what the user may see.

    Only within scope: telling a worker that a person is registered elsewhere would disclose
    that they are a survivor to someone with no right to know it.
    """
    condition = Q(pk__in=[])
    full_key = full_name_index(given_name, family_name)
    if full_key and birth_year:
        condition |= Q(full_name_index=full_key, birth_year=birth_year)
    phone_key = phone_index(phone)
    if phone_key:
        condition |= Q(phone_index=phone_key)
    queryset = survivors_visible_to(user).filter(condition)
    if exclude_pk:
        queryset = queryset.exclude(pk=exclude_pk)
    return queryset


def consents_in_force(survivor: Survivor) -> dict[str, Consent]:
    """The latest decision per purpose."""
    latest: dict[str, Consent] = {}
    for consent in survivor.consents.all().order_by("decided_on", "id"):
        latest[consent.purpose] = consent
    return latest


def consent_is_given(survivor: Survivor, purpose: str) -> bool:
    latest = survivor.consents.filter(purpose=purpose).order_by("-decided_on", "-id").first()
    return bool(latest and latest.given)


def needs_visible_to(user: User) -> QuerySet[Need]:
    return Need.objects.filter(survivor__in=survivors_visible_to(user).values("pk"))


def need_get(user: User, uuid) -> Need:
    queryset = needs_visible_to(user).select_related("survivor")
    if not user_can_read_pii(user):
        queryset = queryset.defer("notes", *(f"survivor__{c}" for c in PII_COLUMNS))
    try:
        return queryset.get(uuid=uuid)
    except (Need.DoesNotExist, ValueError) as exc:
        raise Http404("No such need.") from exc


def case_workers_for(organisation: Organisation) -> QuerySet[User]:
    from ctip.core.models import Role

    return User.objects.filter(
        organisation__path__startswith=organisation.path,
        role__in=[Role.CASE_WORKER, Role.CASE_SUPERVISOR],
        is_active=True,
    ).order_by("first_name", "last_name", "username")


def caseload_summary(user: User) -> dict:
    """The user's own counts for the home page."""
    visible = survivors_visible_to(user)
    totals = visible.aggregate(
        open=Count("pk", filter=Q(status=CaseStatus.OPEN)),
        closed=Count("pk", filter=Q(status=CaseStatus.CLOSED)),
        mine=Count("pk", filter=Q(status=CaseStatus.OPEN, case_worker=user)),
    )
    totals["open_needs"] = needs_visible_to(user).filter(status=NeedStatus.OPEN).count()
    return totals


def survivor_aggregates(user: User) -> dict:
    """Counts of survivors in the user's subtree by country project and by sex, small cells
    suppressed: what a donor or PSE officer, who may not see records, is shown.

    Two grouped queries; country projects are found from the organisation paths in Python
    (a handful of organisations, never a loop over survivors).
    """
    from ctip.cases.models import Sex
    from ctip.core.models import OrganisationKind
    from ctip.core.suppression import suppress_breakdown, suppress_count

    if not user.is_authenticated or user.organisation_id is None:
        return {"total": 0, "by_country": [], "by_sex": []}
    root_path = user.organisation.path
    in_scope = Survivor.objects.filter(organisation__path__startswith=root_path)
    projects = list(
        Organisation.objects.filter(kind=OrganisationKind.COUNTRY_PROJECT)
        .filter(Q(path__startswith=root_path) | Q(pk__in=_ancestor_ids(root_path)))
        .order_by("name")
    )
    by_project = {project.code: 0 for project in projects}
    names = {project.code: project.name for project in projects}
    rows = in_scope.values("organisation__path").annotate(n=Count("pk")).order_by()
    for row in rows:
        for project in projects:
            if row["organisation__path"].startswith(project.path):
                by_project[project.code] += row["n"]
                break
    by_sex_raw = dict(in_scope.values_list("sex").annotate(n=Count("pk")).order_by())
    by_sex = {str(label): by_sex_raw.get(value, 0) for value, label in Sex.choices}
    total = sum(by_sex_raw.values())
    return {
        "total": suppress_count(total),
        "by_country": [
            (names[code], value) for code, value in suppress_breakdown(by_project).items()
        ],
        "by_sex": list(suppress_breakdown(by_sex).items()),
    }


def _ancestor_ids(path: str) -> list[int]:
    return [int(part) for part in path.strip("/").split("/") if part]
