"""The form's data files: every language has every text, a version and the review flag."""

import json

import pytest

from ctip.feedback import texts


def _keys(node: dict, prefix: str = "") -> set[str]:
    keys = set()
    for key, value in node.items():
        keys |= _keys(value, f"{prefix}{key}.") if isinstance(value, dict) else {prefix + key}
    return keys


@pytest.mark.parametrize("code", texts.LANGUAGES)
def test_every_language_file_is_complete(code):
    english = _keys(texts.form_texts("en").texts)
    data = json.loads((texts.DIRECTORY / f"{code}.json").read_text(encoding="utf-8"))
    assert data["language"] == code
    assert isinstance(data["version"], int) and data["version"] >= 1
    assert isinstance(data["machine_translated"], bool)
    assert _keys(data["texts"]) == english
    assert all(value.strip() for value in _flat(data["texts"]))
    for question in texts.QUESTIONS:
        assert question in data["texts"]["questions"]
    for theme in texts.THEMES:
        assert theme in data["texts"]["themes"]


def _flat(node):
    for value in node.values():
        if isinstance(value, dict):
            yield from _flat(value)
        else:
            yield value


def test_machine_made_translations_are_flagged():
    assert not texts.form_texts("en").machine_translated
    assert {c for c in texts.LANGUAGES if texts.form_texts(c).machine_translated} == {
        "th", "km", "lo", "bn", "ne", "my"
    }  # fmt: skip


@pytest.mark.parametrize(
    "requested, offered, accept, expected",
    [
        ("th", ["en", "th"], "", "th"),
        ("", ["en", "th"], "th-TH,th;q=0.9", "th"),
        ("", ["en", "km"], "fr;q=0.9, km;q=0.5", "km"),
        ("", ["km", "en"], "fr", "km"),
        ("xx", ["my"], "", "my"),
        ("", [], "", "en"),
        ("", ["en", "th"], "th;q=garbage, en", "en"),
    ],
)
def test_choose_language(requested, offered, accept, expected):
    assert texts.choose_language(requested, offered, accept) == expected
