"""Reads of `evidence`. Every read starts from ``library_access``, the one scoping function of
this app; a study out of scope is 404.

Who sees what (docs/evidence.md): studies are publications, not personal data, so every staff
role with an organisation reads the library of its implementer (every study owned by the
implementer or any of its country projects), donors included. M&E officers and programme
managers write: they add and edit studies owned by their own node (an implementer, or a country
project) or a country project below it (a user of a partner writes for its country project),
and record appraisals of any study they can read. A system administrator reads every library
and writes none.
"""

from dataclasses import dataclass

from django.db.models import Case, Count, Exists, F, OuterRef, Q, QuerySet, Value, When
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from ctip.core.models import Organisation, OrganisationKind, Role, User
from ctip.evidence.models import Answer, Appraisal, AppraisalAnswer, Study

WRITE_ROLES = {Role.ME_OFFICER, Role.PROGRAMME_MANAGER}
OWNER_KINDS = (OrganisationKind.IMPLEMENTER, OrganisationKind.COUNTRY_PROJECT)


@dataclass(frozen=True)
class LibraryAccess:
    """``root``: the subtree whose studies the user reads (None with ``everything``)."""

    root: Organisation | None = None
    everything: bool = False
    can_edit: bool = False

    @property
    def can_read(self) -> bool:
        return self.everything or self.root is not None


NO_ACCESS = LibraryAccess()


def _implementer_of(node: Organisation) -> Organisation | None:
    if node.kind == OrganisationKind.IMPLEMENTER:
        return node
    root_id = next((int(part) for part in node.path.strip("/").split("/") if part), None)
    if root_id is None:
        return None
    return Organisation.objects.filter(pk=root_id, kind=OrganisationKind.IMPLEMENTER).first()


def library_access(user: User) -> LibraryAccess:
    """The one scoping function of `evidence`."""
    if not user.is_authenticated:
        return NO_ACCESS
    cached = getattr(user, "_library_access", None)
    if cached is not None:
        return cached
    if user.is_superuser or user.role == Role.SYSADMIN:
        access = LibraryAccess(everything=True)
    elif user.organisation_id is None:
        access = NO_ACCESS
    else:
        root = _implementer_of(user.organisation)
        access = LibraryAccess(root=root, can_edit=root is not None and user.role in WRITE_ROLES)
    user._library_access = access
    return access


def studies_visible_to(user: User) -> QuerySet[Study]:
    access = library_access(user)
    if access.everything:
        return Study.objects.all()
    if access.root is None:
        return Study.objects.none()
    return Study.objects.filter(organisation__path__startswith=access.root.path)


def owners_for(user: User) -> QuerySet[Organisation]:
    """The organisations a writer may file a study under: their own node and the country
    projects below it, or (for a user below a country project) that country project."""
    if not library_access(user).can_edit:
        return Organisation.objects.none()
    node = user.organisation
    below = Organisation.objects.filter(kind__in=OWNER_KINDS, path__startswith=node.path)
    if below.exists():
        return below.order_by("path")
    ancestor_ids = [int(part) for part in node.path.strip("/").split("/") if part]
    return Organisation.objects.filter(
        pk__in=ancestor_ids, kind=OrganisationKind.COUNTRY_PROJECT
    ).order_by("path")


def studies_editable_by(user: User) -> QuerySet[Study]:
    if not library_access(user).can_edit:
        return Study.objects.none()
    return studies_visible_to(user).filter(organisation__in=owners_for(user))


def _get(queryset, **lookup):
    try:
        return queryset.get(**lookup)
    except (queryset.model.DoesNotExist, ValueError) as exc:
        raise Http404("Not found.") from exc


def study_get(user: User, uuid) -> Study:
    return _get(studies_visible_to(user).select_related("organisation", "created_by"), uuid=uuid)


def study_for_edit(user: User, uuid) -> Study:
    return _get(studies_editable_by(user), uuid=uuid)


def study_for_appraisal(user: User, uuid) -> Study:
    if not library_access(user).can_edit:
        raise Http404("Not found.")
    return study_get(user, uuid)


def appraisals_of(study: Study) -> QuerySet[Appraisal]:
    return study.appraisals.select_related("appraiser").prefetch_related("answers")


# --- the quality rule -------------------------------------------------------------------------


class Quality:
    """The appraisal summary the library and the gap map group studies by (no score):

    - ``met``: appraised at least once, and every criterion of every appraisal answered "yes";
    - ``not_met``: appraised, and at least one criterion of some appraisal answered "no" or
      "can't tell" (a second reviewer's doubt counts);
    - ``none``: not appraised yet.
    """

    MET = "met"
    NOT_MET = "not_met"
    NONE = "none"
    ORDER = (MET, NOT_MET, NONE)
    LABELS = {
        MET: _("All criteria met"),
        NOT_MET: _("Some criteria not met or unclear"),
        NONE: _("Not appraised"),
    }
    RULE = _(
        "A study is counted as “all criteria met” when it has at least one appraisal and every "
        "criterion of every appraisal (MMAT screening and design criteria, or CASP questions) is "
        "answered “yes”; as “some criteria not met or unclear” when any criterion of any "
        "appraisal is answered “no” or “can't tell”; and as “not appraised” when it has no "
        "appraisal. No score is computed."
    )

    @classmethod
    def choices(cls):
        return [(code, cls.LABELS[code]) for code in cls.ORDER]


def with_quality(queryset: QuerySet[Study]) -> QuerySet[Study]:
    """Annotate ``quality`` (Quality.MET / NOT_MET / NONE) in SQL, on both engines."""
    appraised = Exists(Appraisal.objects.filter(study=OuterRef("pk")))
    doubt = Exists(
        AppraisalAnswer.objects.filter(appraisal__study=OuterRef("pk")).exclude(answer=Answer.YES)
    )
    return queryset.annotate(
        quality=Case(
            When(~appraised, then=Value(Quality.NONE)),
            When(doubt, then=Value(Quality.NOT_MET)),
            default=Value(Quality.MET),
        )
    )


# --- the library list -------------------------------------------------------------------------


def _has(field: str, code: str) -> Q:
    return Q(**{f"{field}__contains": f";{code};"})


def study_list(user: User, filters: dict) -> QuerySet[Study]:
    """The user's library, filtered; ``filters`` are a StudyFilterForm's cleaned data."""
    queryset = with_quality(studies_visible_to(user))
    text = (filters.get("q") or "").strip()
    if text:
        queryset = queryset.filter(Q(title__icontains=text) | Q(authors__icontains=text))
    for name, field in (
        ("country", "countries"),
        ("sector", "sectors"),
        ("exploitation", "exploitation"),
        ("intervention", "interventions"),
        ("outcome", "outcomes"),
    ):
        if filters.get(name):
            queryset = queryset.filter(_has(field, filters[name]))
    if filters.get("design"):
        queryset = queryset.filter(design=filters["design"])
    if filters.get("year_from"):
        queryset = queryset.filter(year__gte=filters["year_from"])
    if filters.get("year_to"):
        queryset = queryset.filter(year__lte=filters["year_to"])
    if filters.get("quality"):
        queryset = queryset.filter(quality=filters["quality"])
    return (
        queryset.select_related("organisation")
        .annotate(appraisal_count=Count("appraisals", distinct=True))
        .order_by(F("year").desc(nulls_last=True), "title", "id")
    )


# --- the evidence gap map ---------------------------------------------------------------------


@dataclass
class GapCell:
    row: str
    column: str
    counts: dict  # quality -> studies

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def gap_counts(
    queryset: QuerySet[Study],
    *,
    row_field: str,
    rows: list[str],
    column_field: str,
    columns: list[str],
) -> dict[tuple[str, str], GapCell]:
    """Studies per (row code, column code, quality), counted by the database in one query.

    A study coded with two interventions and one outcome counts once in each of the two cells.
    """
    if not rows or not columns:
        return {}
    aggregates = {}
    keys = {}
    for r, row in enumerate(rows):
        for c, column in enumerate(columns):
            alias = f"n_{r}_{c}"
            keys[alias] = (row, column)
            aggregates[alias] = Count(
                "pk", filter=_has(row_field, row) & _has(column_field, column)
            )
    cells = {
        (row, column): GapCell(row, column, dict.fromkeys(Quality.ORDER, 0))
        for row, column in keys.values()
    }
    grouped = with_quality(queryset.order_by()).values("quality").annotate(**aggregates)
    for group in grouped:
        for alias, key in keys.items():
            cells[key].counts[group["quality"]] = group[alias] or 0
    return cells


def gap_totals(queryset: QuerySet[Study], *, field: str, codes: list[str]) -> dict[str, int]:
    """Studies coded with each code of one axis (each study once per code), in one query."""
    if not codes:
        return {}
    counts = queryset.order_by().aggregate(
        **{f"t_{index}": Count("pk", filter=_has(field, code)) for index, code in enumerate(codes)}
    )
    return {code: counts[f"t_{index}"] or 0 for index, code in enumerate(codes)}


def countries_coded(queryset: QuerySet[Study]) -> list[str]:
    """The distinct country codes the studies are coded with (the country axis of the map)."""
    codes: set[str] = set()
    for value in queryset.order_by().values_list("countries", flat=True).distinct():
        codes.update(item for item in value.split(";") if item)
    return sorted(codes)
