"""The interface speaks DESIGN.md's seven languages: each has a compiled catalogue and the
header offers each one, by its own name."""

import pytest
from django.conf import settings
from django.utils import translation

DESIGN_LANGUAGES = {"en", "th", "km", "lo", "my", "ne", "bn"}


def test_every_design_language_is_offered():
    assert {code for code, _name in settings.LANGUAGES} == DESIGN_LANGUAGES


@pytest.mark.parametrize("code", sorted(DESIGN_LANGUAGES - {"en"}))
def test_each_language_translates_the_login_page(client, code):
    english = "ctip keeps survivors' records confidential. Every record you open is logged."
    with translation.override(code):
        log_in = translation.gettext("Log in")
        confidential = translation.gettext(english)
    assert log_in != "Log in"
    assert confidential != english
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = code
    page = client.get("/account/login/").content.decode()
    assert f'<html lang="{code}"' in page
    assert log_in in page


def test_the_menu_names_each_language_in_itself(client):
    page = client.get("/account/login/").content.decode()
    for name in ("ภาษาไทย", "ភាសាខ្មែរ", "ພາສາລາວ", "မြန်မာဘာသာ", "नेपाली", "বাংলা"):
        assert name in page
