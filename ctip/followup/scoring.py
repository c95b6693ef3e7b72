"""The scored-instrument engine: instruments are data, read from versioned JSON files.

A file is one of three kinds (its ``kind`` key):

- ``instrument``: code, version, items per language with their answer options, a scoring method,
  the minimal important difference (``mid``), cut-offs per country, bands, citation and licence.
  Scoring methods: ``sum`` (optionally × ``multiplier``, e.g. WHO-5's raw 0–25 × 4), ``mean``,
  ``recode_sum`` (each answer recoded through a table, then summed: GHQ-12's 0-0-1-1 and
  0-1-2-3) and ``weighted_dimensions`` (answers put on 0–1, averaged per dimension, dimensions
  combined with a weight set). Items marked ``reverse`` are flipped on their option range before
  anything else.
- ``weights``: a weight set for a ``weighted_dimensions`` instrument, versioned on its own so an
  organisation can load its own without touching the instrument.
- ``licensed_items``: the wording of a licensed instrument (GHQ-12), which ctip never ships; the
  shipped file carries only the scoring, ``licensed_items`` naming the wording it needs.

The shipped files live in ``ctip/followup/instruments/``; organisations load theirs with
``ctip instruments load`` (kept in the database, see `models.LoadedDefinition`). This module is
pure: no database, so scoring can be checked against worked examples by hand.
"""

import hashlib
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

INSTRUMENT_DIR = Path(__file__).resolve().parent / "instruments"
KINDS = ("instrument", "weights", "licensed_items")
METHODS = ("sum", "mean", "recode_sum", "weighted_dimensions")
OUTCOMES = ("wellbeing", "reintegration", "other")
GOOD_SIDES = ("above", "below", "at_or_above", "at_or_below")
CODE = re.compile(r"^[a-z0-9_]{2,40}$")
DEFAULT = "default"


class InstrumentError(ValueError):
    """A definition file that does not hold together; ``problems`` lists every reason."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


class AnswerError(ValueError):
    """Answers that cannot be scored (an item missing, a value not among the options)."""

    def __init__(self, problems: dict[str, str]):
        self.problems = problems  # item id (or "") -> message
        super().__init__("; ".join(f"{k}: {v}" if k else v for k, v in problems.items()))


def localised(texts: Mapping[str, str] | str | None, language: str = "en") -> str:
    """The text in ``language``, else English, else any language there is."""
    if not texts:
        return ""
    if isinstance(texts, str):
        return texts
    base = (language or "en").split("-")[0]
    return texts.get(base) or texts.get("en") or next(iter(texts.values()), "")


@dataclass(frozen=True)
class Option:
    value: int
    label: dict


@dataclass(frozen=True)
class Item:
    id: str
    text: dict
    options: tuple[Option, ...]
    reverse: bool = False
    dimension: str = ""

    @property
    def values(self) -> tuple[int, ...]:
        return tuple(option.value for option in self.options)


@dataclass(frozen=True)
class Band:
    key: str
    label: dict
    max: float | None = None  # the band holds scores <= max
    below: float | None = None  # … or scores < below

    def holds(self, value: float) -> bool:
        if self.max is not None:
            return value <= self.max + 1e-9
        if self.below is not None:
            return value < self.below - 1e-9
        return True


@dataclass(frozen=True)
class Alert:
    item: str
    min: int
    message: dict


@dataclass(frozen=True)
class WeightSet:
    code: str  # the instrument (or weights family) it is for
    version: str
    label: dict
    weights: dict[str, float]
    source: str = ""
    sha256: str = ""


@dataclass(frozen=True)
class LicensedItems:
    for_code: str
    version: str
    languages: tuple[str, ...]
    items: tuple[Item, ...]
    licence: str
    instructions: dict = field(default_factory=dict)
    sha256: str = ""


@dataclass(frozen=True)
class Instrument:
    code: str
    version: str
    outcome: str
    name: dict
    short_name: str
    languages: tuple[str, ...]
    instructions: dict
    items: tuple[Item, ...]
    method: str
    multiplier: float
    recode: dict[int, float]
    score_min: float
    score_max: float
    higher_is_better: bool
    unit: dict
    mid: float | None
    cutoffs: dict[str, float | None]
    good_side: str
    bands: dict[str, tuple[Band, ...]]
    alerts: tuple[Alert, ...]
    dimensions: tuple[tuple[str, dict], ...]
    weights_code: str
    citation: str
    licence: str
    url: str = ""
    notes: dict = field(default_factory=dict)  # mid_note, cutoff_note, translation_note, …
    licensed_items: str = ""
    item_count: int = 0
    option_count: int = 0
    items_version: str = ""
    sha256: str = ""

    @property
    def has_items(self) -> bool:
        return bool(self.items)

    @property
    def full_version(self) -> str:
        """The version stored with a score: the instrument's, plus its licensed wording's."""
        return f"{self.version}+{self.items_version}" if self.items_version else self.version

    def label(self, language: str = "en") -> str:
        return localised(self.name, language)

    def cutoff_for(self, country: str = "") -> float | None:
        if country and country.upper() in self.cutoffs:
            return self.cutoffs[country.upper()]
        return self.cutoffs.get(DEFAULT)

    def bands_for(self, country: str = "") -> tuple[Band, ...]:
        if country and country.upper() in self.bands:
            return self.bands[country.upper()]
        return self.bands.get(DEFAULT, ())

    def band(self, value: float, country: str = "") -> Band | None:
        for band in self.bands_for(country):
            if band.holds(value):
                return band
        return None

    def meets_cutoff(self, value: float, country: str = "") -> bool | None:
        """Whether ``value`` is on the good side of the country's cut-off (None: no cut-off)."""
        cutoff = self.cutoff_for(country)
        if cutoff is None:
            return None
        return {
            "above": value > cutoff + 1e-9,
            "below": value < cutoff - 1e-9,
            "at_or_above": value >= cutoff - 1e-9,
            "at_or_below": value <= cutoff + 1e-9,
        }[self.good_side]

    def dimension_label(self, key: str, language: str = "en") -> str:
        return localised(dict(self.dimensions).get(key), language) or key

    def in_range(self, value: float) -> bool:
        return self.score_min - 1e-9 <= value <= self.score_max + 1e-9


@dataclass(frozen=True)
class Score:
    value: float
    raw: float
    dimensions: dict[str, float]
    band: Band | None
    cutoff: float | None
    meets_cutoff: bool | None
    alerts: tuple[dict, ...]
    instrument_version: str
    weight_set_version: str = ""


# --- reading files ----------------------------------------------------------------------------


def _number(value, name: str, problems: list[str], *, allow_none: bool = False):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        problems.append(f"{name} must be a number")
        return None
    return float(value)


def _texts(value, name: str, languages: Iterable[str], problems: list[str]) -> dict:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        problems.append(f"{name} must map language codes to text")
        return {}
    missing = [language for language in languages if not value.get(language)]
    if missing:
        problems.append(f"{name} has no text in {', '.join(missing)}")
    return value


def _options(raw, name: str, languages, problems: list[str]) -> tuple[Option, ...]:
    if not isinstance(raw, list) or len(raw) < 2:
        problems.append(f"{name} must list at least two answer options")
        return ()
    options, seen = [], set()
    for index, entry in enumerate(raw, start=1):
        if not isinstance(entry, dict):
            problems.append(f"{name} {index} must be an object")
            continue
        value = entry.get("value")
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append(f"{name} {index}: value must be a whole number")
            continue
        if value in seen:
            problems.append(f"{name}: value {value} appears twice")
        seen.add(value)
        label = _texts(entry.get("label"), f"{name} {index} label", languages, problems)
        options.append(Option(value=value, label=label))
    return tuple(options)


def _items(raw, shared: tuple[Option, ...], languages, problems: list[str]) -> tuple[Item, ...]:
    if not isinstance(raw, list) or not raw:
        problems.append("items must be a non-empty list")
        return ()
    items, seen = [], set()
    for index, entry in enumerate(raw, start=1):
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str) or not entry["id"]:
            problems.append(f"item {index} needs an id (text)")
            continue
        item_id = entry["id"]
        if item_id in seen:
            problems.append(f"item id {item_id} appears twice")
        seen.add(item_id)
        text = _texts(entry.get("text"), f"item {item_id} text", languages, problems)
        options = (
            _options(entry["options"], f"item {item_id} option", languages, problems)
            if "options" in entry
            else shared
        )
        if not options:
            problems.append(f"item {item_id} has no answer options")
        reverse = entry.get("reverse", False)
        if not isinstance(reverse, bool):
            problems.append(f"item {item_id}: reverse must be true or false")
        dimension = entry.get("dimension") or ""
        items.append(
            Item(
                id=item_id,
                text=text,
                options=options,
                reverse=bool(reverse),
                dimension=str(dimension),
            )
        )
    return tuple(items)


def _bands(raw, problems: list[str]) -> dict[str, tuple[Band, ...]]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problems.append("bands must map country codes (or 'default') to lists of bands")
        return {}
    bands = {}
    for country, entries in raw.items():
        if not isinstance(entries, list):
            problems.append(f"bands.{country} must be a list")
            continue
        parsed = []
        for index, entry in enumerate(entries, start=1):
            name = f"bands.{country} {index}"
            if not isinstance(entry, dict) or not entry.get("key"):
                problems.append(f"{name} needs a key")
                continue
            upper = _number(entry.get("max"), f"{name} max", problems, allow_none=True)
            below = _number(entry.get("below"), f"{name} below", problems, allow_none=True)
            if upper is None and below is None:
                problems.append(f"{name} needs max or below")
            parsed.append(
                Band(key=entry["key"], label=entry.get("label") or {}, max=upper, below=below)
            )
        bands[country if country == DEFAULT else country.upper()] = tuple(parsed)
    return bands


def _sha256(data: Mapping) -> str:
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def parse_instrument(data: Mapping) -> Instrument:
    """Check an ``instrument`` definition and build it; every problem is reported at once."""
    problems: list[str] = []
    code = data.get("code")
    if not isinstance(code, str) or not CODE.match(code):
        problems.append("code must be 2 to 40 lower-case letters, digits or '_'")
    version = data.get("version")
    if not isinstance(version, str) or not version:
        problems.append("version must be text")
    outcome = data.get("outcome", "other")
    if outcome not in OUTCOMES:
        problems.append(f"outcome must be one of {', '.join(OUTCOMES)}")
    licensed = data.get("licensed_items") or ""
    languages = tuple(data.get("languages") or ())
    if not licensed and not languages:
        problems.append("languages must list at least one language")
    name = data.get("name")
    if not isinstance(name, dict) or not name.get("en"):
        problems.append("name must have an English text (en)")
    scoring = data.get("scoring")
    if not isinstance(scoring, dict):
        problems.append("scoring must be an object")
        scoring = {}
    method = scoring.get("method")
    if method not in METHODS:
        problems.append(f"scoring.method must be one of {', '.join(METHODS)}")

    items: tuple[Item, ...] = ()
    item_count = option_count = 0
    if licensed:
        if "items" in data:
            problems.append(
                "an instrument with licensed_items must not carry item wording: load the "
                "licensed file separately"
            )
        item_count = data.get("item_count")
        option_count = data.get("option_count")
        if not isinstance(item_count, int) or item_count < 1:
            problems.append("item_count must be a positive whole number")
        if not isinstance(option_count, int) or option_count < 2:
            problems.append("option_count must be a whole number of at least 2")
    else:
        shared = (
            _options(data["options"], "option", languages, problems) if "options" in data else ()
        )
        items = _items(data.get("items"), shared, languages, problems)

    recode: dict[int, float] = {}
    if method == "recode_sum":
        table = scoring.get("recode")
        if not isinstance(table, dict) or not table:
            problems.append("scoring.recode must map answer values to scores")
        else:
            for key, value in table.items():
                try:
                    recode[int(key)] = float(value)
                except (TypeError, ValueError):
                    problems.append(f"scoring.recode {key!r}: must map a whole number to a number")
            values = (
                {o.value for item in items for o in item.options}
                if items
                else set(range(option_count or 0))
            )
            missing = sorted(values - set(recode))
            if missing:
                problems.append(
                    f"scoring.recode has no score for answer values {', '.join(map(str, missing))}"
                )

    dimensions: tuple[tuple[str, dict], ...] = ()
    weights_code = ""
    if method == "weighted_dimensions":
        raw_dimensions = data.get("dimensions")
        if not isinstance(raw_dimensions, list) or not raw_dimensions:
            problems.append("dimensions must list the dimensions of a weighted instrument")
        else:
            dimensions = tuple(
                (entry.get("key", ""), entry.get("label") or {})
                for entry in raw_dimensions
                if isinstance(entry, dict)
            )
        keys = {key for key, _label in dimensions}
        for item in items:
            if item.dimension not in keys:
                problems.append(f"item {item.id}: dimension must be one of {', '.join(keys)}")
        for key in keys:
            if not any(item.dimension == key for item in items):
                problems.append(f"dimension {key} has no items")
        weights_code = scoring.get("weights") or code or ""

    multiplier = _number(scoring.get("multiplier", 1), "scoring.multiplier", problems) or 1.0
    score_min = _number(scoring.get("min"), "scoring.min", problems)
    score_max = _number(scoring.get("max"), "scoring.max", problems)
    if score_min is not None and score_max is not None and score_min >= score_max:
        problems.append("scoring.min must be below scoring.max")
    higher = scoring.get("higher_is_better")
    if not isinstance(higher, bool):
        problems.append("scoring.higher_is_better must be true or false")
    mid = _number(data.get("mid"), "mid", problems, allow_none=True)
    if mid is not None and mid < 0:
        problems.append("mid must not be negative")

    raw_cutoffs = data.get("cutoff") or {}
    cutoffs: dict[str, float | None] = {}
    if not isinstance(raw_cutoffs, dict):
        problems.append("cutoff must map country codes (or 'default') to numbers")
    else:
        for country, value in raw_cutoffs.items():
            key = country if country == DEFAULT else country.upper()
            cutoffs[key] = _number(value, f"cutoff.{country}", problems, allow_none=True)
    good_side = data.get("good_side", "")
    if any(value is not None for value in cutoffs.values()) and good_side not in GOOD_SIDES:
        problems.append(f"good_side must be one of {', '.join(GOOD_SIDES)} when a cutoff is set")

    alerts = []
    item_ids = {item.id for item in items}
    for index, entry in enumerate(data.get("alerts") or [], start=1):
        if not isinstance(entry, dict) or not isinstance(entry.get("min"), int):
            problems.append(f"alert {index} needs an item and a whole-number min")
            continue
        if items and entry.get("item") not in item_ids:
            problems.append(f"alert {index}: no item {entry.get('item')}")
        alerts.append(Alert(item=str(entry["item"]), min=entry["min"], message=entry["message"]))

    for key in ("citation", "licence"):
        if not isinstance(data.get(key), str) or not data.get(key):
            problems.append(f"{key} must be given: say where the instrument comes from")
    bands = _bands(data.get("bands"), problems)
    if problems:
        raise InstrumentError(problems)
    notes = {
        key: data[key]
        for key in ("mid_note", "cutoff_note", "translation_note")
        if isinstance(data.get(key), dict)
    }
    notes["scoring_note"] = scoring.get("note") or {}
    return Instrument(
        code=code,
        version=version,
        outcome=outcome,
        name=name,
        short_name=data.get("short_name") or localised(name),
        languages=languages,
        instructions=data.get("instructions") or {},
        items=items,
        method=method,
        multiplier=multiplier,
        recode=recode,
        score_min=score_min,
        score_max=score_max,
        higher_is_better=higher,
        unit=scoring.get("unit") or {},
        mid=mid,
        cutoffs=cutoffs,
        good_side=good_side,
        bands=bands,
        alerts=tuple(alerts),
        dimensions=dimensions,
        weights_code=weights_code,
        citation=data["citation"],
        licence=data["licence"],
        url=data.get("url", ""),
        notes=notes,
        licensed_items=licensed,
        item_count=item_count or 0,
        option_count=option_count or 0,
        sha256=_sha256(data),
    )


def parse_weights(data: Mapping) -> WeightSet:
    problems: list[str] = []
    code = data.get("code")
    if not isinstance(code, str) or not CODE.match(code):
        problems.append("code must name the instrument the weights are for")
    version = data.get("version")
    if not isinstance(version, str) or not version:
        problems.append("version must be text")
    label = data.get("label")
    if not isinstance(label, dict) or not label.get("en"):
        problems.append("label must have an English text (en), e.g. 'Equal weights'")
    raw = data.get("weights")
    weights: dict[str, float] = {}
    if not isinstance(raw, dict) or not raw:
        problems.append("weights must map each dimension to a number")
    else:
        for key, value in raw.items():
            number = _number(value, f"weights.{key}", problems)
            if number is not None and number < 0:
                problems.append(f"weights.{key} must not be negative")
            weights[key] = number or 0.0
        if weights and sum(weights.values()) <= 0:
            problems.append("the weights must not all be zero")
    if problems:
        raise InstrumentError(problems)
    return WeightSet(
        code=code,
        version=version,
        label=label,
        weights=weights,
        source=str(data.get("source", "")),
        sha256=_sha256(data),
    )


def parse_licensed_items(data: Mapping) -> LicensedItems:
    problems: list[str] = []
    for_code = data.get("for")
    if not isinstance(for_code, str) or not CODE.match(for_code):
        problems.append("for must name the licensed instrument, e.g. ghq12")
    version = data.get("version")
    if not isinstance(version, str) or not version:
        problems.append("version must be text")
    languages = tuple(data.get("languages") or ())
    if not languages:
        problems.append("languages must list at least one language")
    if not isinstance(data.get("licence"), str) or not data.get("licence"):
        problems.append("licence must say under which licence your organisation uses the wording")
    shared = _options(data["options"], "option", languages, problems) if "options" in data else ()
    items = _items(data.get("items"), shared, languages, problems)
    if problems:
        raise InstrumentError(problems)
    return LicensedItems(
        for_code=for_code,
        version=version,
        languages=languages,
        items=items,
        licence=data["licence"],
        instructions=data.get("instructions") or {},
        sha256=_sha256(data),
    )


def parse(data: Mapping) -> Instrument | WeightSet | LicensedItems:
    """Any definition file, by its ``kind``."""
    if not isinstance(data, Mapping):
        raise InstrumentError(["a definition file must hold one JSON object"])
    kind = data.get("kind")
    if kind == "instrument":
        return parse_instrument(data)
    if kind == "weights":
        return parse_weights(data)
    if kind == "licensed_items":
        return parse_licensed_items(data)
    raise InstrumentError([f"kind must be one of {', '.join(KINDS)}"])


def read_json(content: bytes | str) -> dict:
    try:
        data = json.loads(content)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InstrumentError([f"not a JSON file: {exc}"]) from exc
    if not isinstance(data, dict):
        raise InstrumentError(["a definition file must hold one JSON object"])
    return data


def attach_items(instrument: Instrument, licensed: LicensedItems) -> Instrument:
    """A licensed instrument with its organisation's wording; the counts must match."""
    problems = []
    if licensed.for_code != instrument.licensed_items:
        problems.append(f"this wording is for {licensed.for_code}, not {instrument.licensed_items}")
    if len(licensed.items) != instrument.item_count:
        problems.append(
            f"{instrument.licensed_items} has {instrument.item_count} items; "
            f"the file has {len(licensed.items)}"
        )
    expected = tuple(range(instrument.option_count))
    for item in licensed.items:
        if tuple(sorted(item.values)) != expected:
            problems.append(
                f"item {item.id}: answer values must be "
                f"{', '.join(map(str, expected))} (first to last option)"
            )
    if problems:
        raise InstrumentError(problems)
    return replace(
        instrument,
        items=licensed.items,
        languages=licensed.languages,
        instructions=licensed.instructions or instrument.instructions,
        items_version=licensed.version,
    )


# --- the catalogue ----------------------------------------------------------------------------


@dataclass
class Catalogue:
    """Instruments, weight sets and licensed wordings in force for one organisation."""

    instruments: dict[str, Instrument] = field(default_factory=dict)
    weights: dict[str, WeightSet] = field(default_factory=dict)
    licensed: dict[str, LicensedItems] = field(default_factory=dict)

    def add(self, definition) -> None:
        if isinstance(definition, Instrument):
            self.instruments[definition.code] = definition
        elif isinstance(definition, WeightSet):
            self.weights[definition.code] = definition
        elif isinstance(definition, LicensedItems):
            self.licensed[definition.for_code] = definition

    def copy(self) -> "Catalogue":
        return Catalogue(dict(self.instruments), dict(self.weights), dict(self.licensed))

    def instrument(self, code: str) -> Instrument | None:
        """The instrument with its wording attached (licensed ones need the loaded file)."""
        instrument = self.instruments.get(code)
        if instrument is None or not instrument.licensed_items:
            return instrument
        licensed = self.licensed.get(instrument.licensed_items)
        return attach_items(instrument, licensed) if licensed else instrument

    def usable(self) -> list[Instrument]:
        """Instruments that can be administered here (with wording), in a stable order."""
        found = [self.instrument(code) for code in sorted(self.instruments)]
        return [instrument for instrument in found if instrument and instrument.has_items]

    def weight_set(self, instrument: Instrument) -> WeightSet | None:
        return self.weights.get(instrument.weights_code) if instrument.weights_code else None


@lru_cache(maxsize=1)
def shipped() -> Catalogue:
    """The files shipped in ``instruments/``, checked once per process."""
    catalogue = Catalogue()
    for path in sorted(INSTRUMENT_DIR.glob("*.json")):
        try:
            catalogue.add(parse(read_json(path.read_bytes())))
        except InstrumentError as exc:
            raise InstrumentError([f"{path.name}: {p}" for p in exc.problems]) from exc
    return catalogue


# --- scoring ----------------------------------------------------------------------------------


def check_answers(instrument: Instrument, answers: Mapping[str, int]) -> dict[str, int]:
    """Every item answered with one of its option values; nothing else."""
    if not instrument.has_items:
        raise AnswerError({"": f"{instrument.short_name} has no item wording loaded"})
    problems: dict[str, str] = {}
    clean: dict[str, int] = {}
    known = {item.id for item in instrument.items}
    for key in answers:
        if str(key) not in known:
            problems[str(key)] = "no such item"
    for item in instrument.items:
        value = answers.get(item.id)
        if value is None or value == "":
            problems[item.id] = "not answered"
            continue
        try:
            number = int(value)
        except (TypeError, ValueError):
            problems[item.id] = f"{value!r} is not an answer value"
            continue
        if number not in item.values:
            problems[item.id] = f"{number} is not one of {', '.join(map(str, item.values))}"
            continue
        clean[item.id] = number
    if problems:
        raise AnswerError(problems)
    return clean


def item_value(item: Item, answer: int) -> int:
    """The answer, flipped on the item's option range when the item is reverse-scored."""
    if not item.reverse:
        return answer
    values = item.values
    return min(values) + max(values) - answer


def score(
    instrument: Instrument,
    answers: Mapping[str, int],
    *,
    country: str = "",
    weights: WeightSet | None = None,
) -> Score:
    """Score one answer sheet. ``weights`` is required by ``weighted_dimensions`` instruments."""
    clean = check_answers(instrument, answers)
    values = {item.id: item_value(item, clean[item.id]) for item in instrument.items}
    dimensions: dict[str, float] = {}
    weight_version = ""
    if instrument.method == "sum":
        raw = float(sum(values.values()))
        value = raw * instrument.multiplier
    elif instrument.method == "mean":
        raw = float(sum(values.values()))
        value = raw / len(values)
    elif instrument.method == "recode_sum":
        raw = float(sum(values.values()))
        value = float(sum(instrument.recode[v] for v in values.values()))
    else:  # weighted_dimensions
        if weights is None:
            raise AnswerError({"": f"{instrument.short_name} needs a weight set"})
        missing = [key for key, _label in instrument.dimensions if key not in weights.weights]
        if missing:
            raise AnswerError(
                {"": f"weight set {weights.version} has no weight for {', '.join(missing)}"}
            )
        raw = float(sum(values.values()))
        for key, _label in instrument.dimensions:
            scaled = []
            for item in instrument.items:
                if item.dimension != key:
                    continue
                low, high = min(item.values), max(item.values)
                scaled.append((values[item.id] - low) / (high - low))
            dimensions[key] = round(sum(scaled) / len(scaled), 4)
        total_weight = sum(weights.weights[key] for key in dimensions)
        value = sum(weights.weights[key] * dimensions[key] for key in dimensions) / total_weight
        weight_version = weights.version
    value = round(value, 4)
    alerts = tuple(
        {"item": alert.item, "message": alert.message}
        for alert in instrument.alerts
        if clean.get(alert.item, -1) >= alert.min
    )
    return Score(
        value=value,
        raw=raw,
        dimensions=dimensions,
        band=instrument.band(value, country),
        cutoff=instrument.cutoff_for(country),
        meets_cutoff=instrument.meets_cutoff(value, country),
        alerts=alerts,
        instrument_version=instrument.full_version,
        weight_set_version=weight_version,
    )


def score_given(instrument: Instrument, value: float, *, country: str = "") -> Score:
    """A total recorded without its answers (an import): checked against the range only."""
    if not instrument.in_range(value):
        raise AnswerError(
            {
                "": f"{value:g} is outside {instrument.short_name}'s range "
                f"{instrument.score_min:g}–{instrument.score_max:g}"
            }
        )
    return Score(
        value=round(float(value), 4),
        raw=float(value),
        dimensions={},
        band=instrument.band(value, country),
        cutoff=instrument.cutoff_for(country),
        meets_cutoff=instrument.meets_cutoff(value, country),
        alerts=(),
        instrument_version=instrument.full_version,
    )
