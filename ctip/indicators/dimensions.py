"""The breakdowns indicators share: their cells as ORM conditions, and their labels.

Survivor attributes (sex, age group and band at the period's end, nationality, forms of
exploitation) are conditions on a survivor; ``prefix`` says how to reach the survivor from the
rows being counted (``""`` on `Survivor`, ``"survivor__"`` on an episode or a referral).
The organisation breakdown rolls every owning organisation up to its partner (a site's records
are its partner's): `organisation_units`.
"""

from dataclasses import dataclass

from django.db.models import Case, Q, Value, When
from django.utils.translation import gettext_lazy as _

from ctip.cases.models import Exploitation, Sex
from ctip.core.countries import COUNTRY_NAMES
from ctip.core.models import Organisation, OrganisationKind, ProviderType

UNKNOWN = "unknown"

# (label, lowest age, highest age); ages are period.end.year - birth_year.
AGE_GROUPS = (("0-17", 0, 17), ("18+", 18, None))
AGE_BANDS = (
    ("0-11", 0, 11),
    ("12-17", 12, 17),
    ("18-24", 18, 24),
    ("25-39", 25, 39),
    ("40+", 40, None),
)

BREAKDOWN_LABELS = {
    "sex": _("Sex"),
    "age_group": _("Age group"),
    "age_band": _("Age band"),
    "nationality": _("Nationality"),
    "exploitation": _("Form of exploitation"),
    "organisation": _("Organisation"),
    "service_category": _("Service category"),
    "provider_type": _("Provider type"),
    "service_type": _("Service type"),
    "status": _("Status"),
    "episodes_per_survivor": _("Episodes per survivor"),
    "days": _("Days from referral to service"),
}

SURVIVOR_BREAKDOWNS = ("sex", "age_group", "age_band", "nationality", "exploitation")


def _age_cells(prefix: str, year: int, bands) -> dict[str, Q]:
    """Cells by age at the end of ``year``: age = year - birth_year (a birth year in the future
    counts as age 0)."""
    field = f"{prefix}birth_year"
    cells: dict[str, Q] = {}
    for label, low, high in bands:
        condition = Q(**{f"{field}__isnull": False})
        if high is not None:
            condition &= Q(**{f"{field}__gte": year - high})
        if low:
            condition &= Q(**{f"{field}__lte": year - low})
        cells[label] = condition
    cells[UNKNOWN] = Q(**{f"{field}__isnull": True})
    return cells


def age_band_case(field: str, year: int) -> Case:
    """An expression naming each row's age band at the end of ``year`` (or unknown)."""
    return Case(
        *(When(condition, then=Value(label)) for label, condition in
          _age_cells(field.removesuffix("birth_year"), year, AGE_BANDS).items()),
        default=Value(UNKNOWN),
    )  # fmt: skip


def age_group_of_band(band: str) -> str:
    for label, low, _high in AGE_BANDS:
        if label == band:
            return "0-17" if low < 18 else "18+"
    return UNKNOWN


def survivor_cells(
    prefix: str, year: int, nationalities: list[str], exploitations: list[str]
) -> dict[str, dict[str, Q]]:
    """The survivor-attribute breakdowns that partition survivors, as {breakdown: {cell:
    condition}}: sex, age band, nationality and the exact set of forms of exploitation (the
    stored ';labour;sexual;' string). Equality tests only, cheap to evaluate many times;
    `fold_survivor_cells` turns the counts into the breakdowns shown."""
    return {
        "sex": {value: Q(**{f"{prefix}sex": value}) for value in Sex.values},
        "age_band": _age_cells(prefix, year, AGE_BANDS),
        "nationality": {
            (code or UNKNOWN): Q(**{f"{prefix}nationality": code}) for code in nationalities
        },
        "exploitation_set": {
            (text or UNKNOWN): Q(**{f"{prefix}exploitation": text}) for text in exploitations
        },
    }


def fold_survivor_cells(counts: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    """Counts over `survivor_cells` → the breakdowns sex, age_group, age_band, nationality and
    exploitation (each form, so a survivor with two forms counts in both). Valid for counts of
    survivors and of their records alike, because the cells it adds up partition them."""
    bands = counts.get("age_band", {})
    age_group = {label: 0 for label, _low, _high in AGE_GROUPS}
    for label, low, _high in AGE_BANDS:
        group = "0-17" if low < 18 else "18+"
        age_group[group] += bands.get(label, 0)
    age_group[UNKNOWN] = bands.get(UNKNOWN, 0)
    exploitation = {value: 0 for value in Exploitation.values}
    exploitation[UNKNOWN] = 0
    for text, count in counts.get("exploitation_set", {}).items():
        forms = [form for form in text.split(";") if form] if text != UNKNOWN else []
        for form in forms or [UNKNOWN]:
            exploitation[form] = exploitation.get(form, 0) + count
    nationality = dict(counts.get("nationality", {}))
    if UNKNOWN in nationality:  # unknown last
        nationality[UNKNOWN] = nationality.pop(UNKNOWN)
    return {
        "sex": dict(counts.get("sex", {})),
        "age_group": age_group,
        "age_band": dict(bands),
        "nationality": nationality,
        "exploitation": exploitation,
    }


def provider_type_cells(field: str) -> dict[str, Q]:
    cells = {value: Q(**{field: value}) for value in ProviderType.values}
    cells[UNKNOWN] = Q(**{field: ""})
    return cells


# --- organisations ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    """One cell of the organisation breakdown: a partner (with its sites), or an owning
    organisation above or beside the partners (a country project, a provider)."""

    code: str
    name: str
    ids: tuple[int, ...]


def organisation_units(scope: Organisation) -> list[Unit]:
    """The organisation breakdown's cells for records owned in ``scope``'s subtree, in tree
    order: each organisation rolls up to its nearest partner (itself or an ancestor); one with
    no partner above it is its own cell. One query over organisations, never over records."""
    ancestor_ids = [int(part) for part in scope.path.strip("/").split("/") if part]
    rows = list(
        Organisation.objects.filter(Q(path__startswith=scope.path) | Q(pk__in=ancestor_ids))
        .order_by("path")
        .values_list("pk", "code", "name", "kind", "path")
    )
    by_id = {row[0]: row for row in rows}
    members: dict[int, list[int]] = {}
    for pk, _code, _name, _kind, path in rows:
        if not path.startswith(scope.path):
            continue
        chain = [int(part) for part in path.strip("/").split("/") if part]
        unit = pk
        for node in reversed(chain):
            if node in by_id and by_id[node][3] == OrganisationKind.PARTNER:
                unit = node
                break
        members.setdefault(unit, []).append(pk)
    order = {row[0]: index for index, row in enumerate(rows)}
    return [
        Unit(code=by_id[unit][1], name=by_id[unit][2], ids=tuple(sorted(ids)))
        for unit, ids in sorted(members.items(), key=lambda item: order[item[0]])
    ]


def unit_case(field: str, units: list[Unit]) -> Case:
    """An expression naming the organisation cell (a unit's code) of each row."""
    return Case(
        *(When(**{f"{field}__in": unit.ids}, then=Value(unit.code)) for unit in units),
        default=Value(UNKNOWN),
    )


# --- labels ----------------------------------------------------------------------------------


def breakdown_label(name: str) -> str:
    return str(BREAKDOWN_LABELS.get(name, name.replace("_", " ").capitalize()))


class Labels:
    """Readable labels for cell keys (the keys are stable codes, used as such in exports).
    Organisation and service-type names are loaded once, on first use (one query each)."""

    def __init__(self) -> None:
        self._organisations: dict[str, str] | None = None
        self._service_types: dict[str, str] | None = None

    def organisations(self) -> dict[str, str]:
        if self._organisations is None:
            self._organisations = dict(Organisation.objects.values_list("code", "name"))
        return self._organisations

    def service_types(self) -> dict[str, str]:
        if self._service_types is None:
            from ctip.services.models import ServiceType

            self._service_types = dict(ServiceType.objects.values_list("code", "name"))
        return self._service_types

    def cell(self, breakdown: str, cell: str) -> str:
        from ctip.services.models import ReferralStatus, ServiceCategory

        if cell == UNKNOWN:
            return str(_("Unknown"))
        choices = {
            "sex": Sex,
            "exploitation": Exploitation,
            "service_category": ServiceCategory,
            "provider_type": ProviderType,
            "status": ReferralStatus,
        }
        if breakdown in choices:
            return str(dict(choices[breakdown].choices).get(cell, cell))
        if breakdown == "nationality":
            return COUNTRY_NAMES.get(cell, cell)
        if breakdown == "organisation":
            return self.organisations().get(cell, cell)
        if breakdown == "service_type":
            return self.service_types().get(cell, cell)
        if breakdown == "days" and cell == "before_sent":
            return str(_("Before the sent date"))
        return str(cell)
