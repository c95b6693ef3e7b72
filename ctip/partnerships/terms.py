"""Avoided terms: find the words a company asked us not to use in a text drafted in ctip.

Matching ignores case and accents ("Trafficking", "TRAFFICKING", "traffickíng" all match
"trafficking") and takes whole words and phrases only ("trafficking" does not match
"traffickingless"; "forced labour" matches "forced   labour" across spaces and line breaks).
Scripts written without spaces between words (Thai, Khmer, Lao, Burmese) have no word boundary
to test, so there a term matches wherever its letters occur.
"""

import re
import unicodedata
from dataclasses import dataclass

CONTEXT = 30
# Scripts without spaces between words: a whole-word test would never match inside them.
_UNSPACED = re.compile(r"[\u0E00-\u0E7F\u0E80-\u0EFF\u1000-\u109F\u1780-\u17FF]")


@dataclass(frozen=True)
class TermHit:
    term: str
    field: str  # which part of the draft: "title" or "text"
    line: int  # 1-based line of the text
    found: str  # the words as written in the text
    before: str
    after: str
    position: int = 0  # index in the part's text, for ordering


def _fold(text: str) -> tuple[str, list[int]]:
    """Case- and accent-folded text, and for each folded character its index in ``text``."""
    folded: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        for part in unicodedata.normalize("NFKD", char):
            if unicodedata.combining(part):
                continue
            for piece in part.casefold():
                folded.append(piece)
                origin.append(index)
    return "".join(folded), origin


def _pattern(term: str) -> re.Pattern | None:
    folded, _origin = _fold(term.strip())
    words = folded.split()
    if not words:
        return None
    body = r"\s+".join(re.escape(word) for word in words)
    if _UNSPACED.search(folded):
        return re.compile(body)
    return re.compile(rf"(?<!\w){body}(?!\w)")


def avoided_term_hits(terms: list[str], parts: dict[str, str]) -> list[TermHit]:
    """Every occurrence of every term in every named part (``{"title": …, "text": …}``)."""
    hits: list[TermHit] = []
    patterns = [(term, _pattern(term)) for term in terms]
    for field, text in parts.items():
        if not text:
            continue
        folded, origin = _fold(text)
        for term, pattern in patterns:
            if pattern is None:
                continue
            for match in pattern.finditer(folded):
                start = origin[match.start()]
                end = origin[match.end() - 1] + 1
                hits.append(
                    TermHit(
                        term=term,
                        field=field,
                        line=text.count("\n", 0, start) + 1,
                        found=text[start:end],
                        before=_clip_left(text[max(0, start - CONTEXT) : start]),
                        after=_clip_right(text[end : end + CONTEXT]),
                        position=start,
                    )
                )
    hits.sort(key=lambda hit: (hit.field != "title", hit.position, hit.term))
    return hits


def _clip_left(text: str) -> str:
    return text.rsplit("\n", 1)[-1]


def _clip_right(text: str) -> str:
    return text.split("\n", 1)[0]
