"""The anonymous form's texts: one versioned data file per language in ``form_texts/``.

The public pages (form, receipt, status, poster, paper sheets) take every word from these files,
not from gettext: they must speak all seven languages of the programme (English, Thai, Khmer,
Lao, Bengali, Nepali, Burmese) to people who never log in, and a translator can review a whole
form in one file. ``machine_translated: true`` marks a file made by machine and not yet reviewed
by a native speaker; the form then shows a small note saying so. Staff pages use gettext as
everywhere else, and take theme and question names from these files too (one source).
"""

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DIRECTORY = Path(__file__).resolve().parent / "form_texts"
LANGUAGES: tuple[str, ...] = ("en", "th", "km", "lo", "bn", "ne", "my")
DEFAULT_LANGUAGE = "en"

# Closed questions a channel may ask, by audience (the texts live in the data files).
QUESTIONS_FOR_BENEFICIARIES = ("respect", "informed", "safe", "needs_met", "recommend")
QUESTIONS_FOR_STAFF = ("raise_problems", "design_fits", "workload", "listened_to")
QUESTIONS: tuple[str, ...] = QUESTIONS_FOR_BENEFICIARIES + QUESTIONS_FOR_STAFF
ANSWERS: tuple[str, ...] = ("yes", "partly", "no", "skip")
THEMES: tuple[str, ...] = (
    "shelter",
    "health",
    "legal",
    "livelihood",
    "safety",
    "respect",
    "information",
    "family_return",
    "project_design",
    "other",
)
THEMES_FOR_BENEFICIARIES = tuple(t for t in THEMES if t != "project_design")
THEMES_FOR_STAFF = ("safety", "respect", "information", "project_design", "other")
SCALE: tuple[int, ...] = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class FormTexts:
    language: str
    name: str
    version: int
    machine_translated: bool
    texts: dict

    def get(self, dotted: str) -> str:
        node = self.texts
        for part in dotted.split("."):
            node = node[part]
        return node


@lru_cache(maxsize=len(LANGUAGES))
def form_texts(language: str) -> FormTexts:
    """The texts of one language (English for an unknown code)."""
    if language not in LANGUAGES:
        language = DEFAULT_LANGUAGE
    data = json.loads((DIRECTORY / f"{language}.json").read_text(encoding="utf-8"))
    return FormTexts(
        language=data["language"],
        name=data["name"],
        version=int(data["version"]),
        machine_translated=bool(data["machine_translated"]),
        texts=data["texts"],
    )


def language_names() -> dict[str, str]:
    """Each language in its own script, for the language links."""
    return {code: form_texts(code).name for code in LANGUAGES}


def theme_name(code: str, language: str = DEFAULT_LANGUAGE) -> str:
    return form_texts(language).texts["themes"].get(code) or code


def question_text(code: str, language: str = DEFAULT_LANGUAGE) -> str:
    return form_texts(language).texts["questions"].get(code) or code


def _accepted(header: str) -> list[str]:
    """Language codes of an Accept-Language header, best first (read, never stored)."""
    ranked = []
    for index, part in enumerate(header.split(",")):
        pieces = part.strip().split(";")
        code = pieces[0].strip().lower().split("-")[0]
        quality = 1.0
        for piece in pieces[1:]:
            if piece.strip().startswith("q="):
                try:
                    quality = float(piece.strip()[2:])
                except ValueError:
                    quality = 0.0
        if code:
            ranked.append((-quality, index, code))
    return [code for _q, _i, code in sorted(ranked)]


def choose_language(requested: str, offered: list[str] | tuple[str, ...], accept: str = "") -> str:
    """The page's language: ``?lang=`` if the channel offers it, else the browser's preference
    among the offered ones, else the channel's first language. No cookie is read or set."""
    offered = [code for code in offered if code in LANGUAGES] or [DEFAULT_LANGUAGE]
    if requested in offered:
        return requested
    for code in _accepted(accept or ""):
        if code in offered:
            return code
    return offered[0]
