from io import StringIO
from pathlib import Path

import polib
from django.conf import settings
from django.core.management import call_command

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "nl" / "LC_MESSAGES" / "django.po"


def test_dutch_catalogue_translates_every_text_and_has_no_fuzzy_entries():
    catalogue = polib.pofile(str(CATALOGUE))
    untranslated = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert untranslated == []
    assert fuzzy == []


def test_every_catalogue_translates_each_text_once():
    # Branches append their entries and the catalogues merge by union (.gitattributes):
    # a text translated on two branches would appear twice, and only one would be used.
    for path in sorted((Path(settings.BASE_DIR) / "locale").glob("*/LC_MESSAGES/*.po")):
        keys = [(entry.msgctxt, entry.msgid) for entry in polib.pofile(str(path))]
        twice = sorted({msgid for ctxt, msgid in keys if keys.count((ctxt, msgid)) > 1})
        assert twice == [], path


def test_dutch_translations_keep_every_placeholder():
    catalogue = polib.pofile(str(CATALOGUE))
    import re

    pattern = re.compile(r"%\((\w+)\)[+]?[sd]|\{\{\s*(\w+)\s*\}\}")
    for entry in catalogue.translated_entries():
        if entry.msgid_plural:  # polib keeps plural forms apart
            pairs = [
                (entry.msgid, entry.msgstr_plural[0]),
                (entry.msgid_plural, entry.msgstr_plural[1]),
            ]
        else:
            pairs = [(entry.msgid, entry.msgstr)]
        for english, dutch in pairs:
            assert sorted(pattern.findall(dutch)) == sorted(pattern.findall(english)), entry.msgid


def test_login_page_is_dutch_by_default(client):
    html = client.get("/aanmelden/").content.decode()
    assert 'lang="nl-be"' in html
    assert "Aanmelden" in html
    assert "Wachtwoord" in html


def test_interface_switches_to_english(client):
    response = client.post("/taal/", {"language": "en", "next": "/aanmelden/"})
    assert response.status_code == 302
    html = client.get("/aanmelden/").content.decode()
    assert "Log in to Deelpunt" in html


def test_compile_translations_is_silent_at_verbosity_0_and_reports_otherwise():
    quiet, normal = StringIO(), StringIO()
    call_command("compile_translations", verbosity=0, stdout=quiet)
    call_command("compile_translations", stdout=normal)
    assert quiet.getvalue() == ""
    assert "Compiled 2 catalogue(s)." in normal.getvalue()  # nl, and fr for family documents
