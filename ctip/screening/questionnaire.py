"""The screening questionnaire as versioned data: ``questionnaire/v<N>/structure.json`` holds
the items (which dimension of the ILO indicators of forced labour each one asks about, strong
or medium, and whether it describes the trafficking "act"), and one file per language holds
the words.

Like the feedback form's texts, the public self-screen takes every word from these files (it
must speak all seven languages to people who never log in); ``machine_translated: true`` marks
a file made by machine and not yet reviewed by a native speaker, and the pages say so. A new
version of the questions is a new directory; screens keep the version they were answered on.
"""

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DIRECTORY = Path(__file__).resolve().parent / "questionnaire"
CURRENT_VERSION = 1
LANGUAGES: tuple[str, ...] = ("en", "th", "km", "lo", "bn", "ne", "my")
DEFAULT_LANGUAGE = "en"
ANSWERS: tuple[str, ...] = ("yes", "no", "unsure")
AGE_ANSWERS: tuple[str, ...] = ("under_18", "adult", "not_sure")
DIMENSIONS: tuple[str, ...] = ("recruitment", "duress", "leaving", "penalty")
STRENGTHS: tuple[str, ...] = ("strong", "medium")


@dataclass(frozen=True)
class Item:
    id: str
    dimension: str | None
    strength: str | None
    act: bool


@dataclass(frozen=True)
class Structure:
    version: int
    source: str
    items: tuple[Item, ...]

    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(item.id for item in self.items)


@dataclass(frozen=True)
class Texts:
    language: str
    name: str
    version: int
    machine_translated: bool
    texts: dict


@lru_cache(maxsize=8)
def structure(version: int = CURRENT_VERSION) -> Structure:
    data = json.loads((DIRECTORY / f"v{version}" / "structure.json").read_text(encoding="utf-8"))
    items = tuple(
        Item(
            id=row["id"],
            dimension=row["dimension"],
            strength=row["strength"],
            act=bool(row["act"]),
        )
        for row in data["items"]
    )
    for item in items:
        if item.dimension is not None and item.dimension not in DIMENSIONS:
            raise ValueError(f"item {item.id}: unknown dimension {item.dimension}")
        if item.dimension is not None and item.strength not in STRENGTHS:
            raise ValueError(f"item {item.id}: strength must be strong or medium")
    return Structure(version=int(data["version"]), source=data["source"], items=items)


@lru_cache(maxsize=len(LANGUAGES) * 2)
def texts(language: str, version: int = CURRENT_VERSION) -> Texts:
    """The words of one language (English for an unknown code)."""
    if language not in LANGUAGES:
        language = DEFAULT_LANGUAGE
    path = DIRECTORY / f"v{version}" / f"{language}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    return Texts(
        language=data["language"],
        name=data["name"],
        version=int(data["version"]),
        machine_translated=bool(data["machine_translated"]),
        texts=data["texts"],
    )


def language_names() -> dict[str, str]:
    """Each language in its own script, for the language links."""
    return {code: texts(code).name for code in LANGUAGES}


def choose_language(requested: str, accept_language: str = "") -> str:
    """``?lang=`` when it is one of ours, else the first of the browser's we have."""
    if requested in LANGUAGES:
        return requested
    for part in accept_language.split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return DEFAULT_LANGUAGE
