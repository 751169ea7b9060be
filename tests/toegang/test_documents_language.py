"""Family documents in the family's language: the referral letter and the household card
(like the receipt, the loan agreement and the reminders) come in the household's
language among Dutch, French and English, in Dutch for any other; the screen of the
person printing stays in theirs; a text without a French translation falls back to
Dutch; and every text of a family document has its French translation, so a gap is
found by this test instead of shipped."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext

from tests.toegang.factories import HouseholdFactory, ProgramFactory, ReferralFactory
from tests.uitlening.test_documents import pdf_text
from toegang.documents import document_language, household_card_pdf, referral_letter_pdf

BASE = Path(settings.BASE_DIR)
FRENCH = BASE / "locale" / "fr" / "LC_MESSAGES" / "django.po"

#: Every module and template a family takes home or receives is made of. A new family
#: document (a package receipt, a reminder kind) is added here or to the folders below.
FAMILY_MODULES = [
    "toegang/documents.py",
    "uitlening/documents.py",
    "kern/pdf.py",
    "toegang/privacy.py",  # the summary of what Deelpunt keeps, for the family
]
FAMILY_TEMPLATES = ["templates/uitlening/distribution_receipt.html"]
FAMILY_TEMPLATE_FOLDERS = ["templates/uitlening/reminders"]

#: Texts in those modules that a family never sees (the confirm card stays at the counter).
NOT_FOR_FAMILIES = {
    "Confirm the basket",
    "Scan this code at the counter to record the basket, like the Confirm button does.",
    "Confirm card",
    # Messages to the admin in toegang/privacy.py, not in the summary.
    "Say why the data are erased, e.g. “request of the family by e-mail of 3 May”.",
    "The retention period is at least one month.",
}

GETTEXT_NAMES = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext"}


def python_msgids(path: Path) -> set[str]:
    """The msgids (and plural msgids) of gettext calls with literal strings."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else ""
        if isinstance(node.func, ast.Attribute):
            name = node.func.attr
        if name not in GETTEXT_NAMES:
            continue
        strings = [arg.value for arg in node.args if isinstance(arg, ast.Constant)]
        strings = [value for value in strings if isinstance(value, str)]
        if name.startswith("pgettext"):
            strings = strings[1:]
        found.update(strings[:2] if name.startswith("n") else strings[:1])
    return found


_CALL = re.compile(
    r"\b(n?gettext|pgettext|npgettext)\((u'(?:[^'\\]|\\.)*'(?:, u'(?:[^'\\]|\\.)*')*)"
)


def template_msgids(path: Path) -> set[str]:
    """The msgids of ``{% translate %}`` and ``{% blocktranslate %}``, read the way
    makemessages reads them (Django's ``templatize``)."""
    from django.utils.translation.template import templatize

    found: set[str] = set()
    for name, args in _CALL.findall(templatize(path.read_text())):
        values = ast.literal_eval(f"({args},)")
        if name.startswith("p") or name.startswith("np"):
            values = values[1:]
        found.update(values)
    return found


def family_msgids() -> set[str]:
    found: set[str] = set()
    for module in FAMILY_MODULES:
        found |= python_msgids(BASE / module)
    templates = [BASE / name for name in FAMILY_TEMPLATES]
    for folder in FAMILY_TEMPLATE_FOLDERS:
        templates += sorted((BASE / folder).glob("*.txt")) + sorted((BASE / folder).glob("*.html"))
    for template in templates:
        found |= template_msgids(template)
    return found - NOT_FOR_FAMILIES - {""}


def test_the_extraction_finds_the_texts_of_letters_receipts_and_reminders():
    texts = family_msgids()
    assert "Your referral to Deelpunt" in texts  # the letter
    assert "Show this card at the counter" in texts  # the card
    assert "Loan agreement" in texts and "%(n)d packs" in texts  # python, plural
    assert "Print this page with Ctrl+P." in texts  # the receipt page
    assert "Reminder: please bring %(item)s back tomorrow" in texts  # a reminder


def test_every_family_document_text_has_a_french_translation():
    catalogue = polib.pofile(str(FRENCH))
    translated = {
        entry.msgid_plural if key else entry.msgid
        for entry in catalogue.translated_entries()
        for key in ((0, 1) if entry.msgid_plural else (0,))
    }
    missing = sorted(family_msgids() - translated)
    assert missing == [], "add these to locale/fr/LC_MESSAGES/django.po"


def test_french_translations_keep_every_placeholder():
    pattern = re.compile(r"%\((\w+)\)[+]?[sd]")
    for entry in polib.pofile(str(FRENCH)).translated_entries():
        if entry.msgid_plural:
            pairs = [
                (entry.msgid, entry.msgstr_plural[0]),
                (entry.msgid_plural, entry.msgstr_plural[1]),
            ]
        else:
            pairs = [(entry.msgid, entry.msgstr)]
        for english, french in pairs:
            assert sorted(pattern.findall(french)) == sorted(pattern.findall(english)), entry.msgid


def test_a_text_without_french_falls_back_to_dutch_and_english_is_the_msgid():
    # A counter text: translated to Dutch, deliberately not to French.
    counter_text = "Overdue loans"
    with translation.override("fr"):
        assert gettext(counter_text) == "Te laat terug"
        assert gettext("Loan agreement") == "Contrat de prêt"
    with translation.override("en"):
        assert gettext(counter_text) == counter_text
    with translation.override("nl-be"):
        assert gettext(counter_text) == "Te laat terug"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fr", "fr"),
        ("FR", "fr"),
        ("fr-BE", "fr"),
        ("en", "en"),
        ("nl", "nl"),
        ("ar", None),
        ("", None),
    ],
)
def test_the_document_language_is_dutch_french_or_english(db, language, expected):
    assert document_language(HouseholdFactory.build(language=language)) == expected


@pytest.fixture
def referral(db):
    household = HouseholdFactory(language="fr")
    return ReferralFactory(household=household, programs=[ProgramFactory(name="Pamperbank")])


@pytest.mark.parametrize(
    ("language", "title", "bring"),
    [
        ("fr", "Votre orientation vers Deelpunt", "Qu'apportez-vous ?"),
        ("en", "Your referral to Deelpunt", "What do you bring?"),
        ("nl", "Je doorverwijzing naar Deelpunt", "Wat breng je mee?"),
        ("tr", "Je doorverwijzing naar Deelpunt", "Wat breng je mee?"),
    ],
)
def test_the_referral_letter_is_in_the_households_language(
    referral, tmp_path, language, title, bring
):
    referral.household.language = language
    referral.household.save()

    with translation.override("nl-be"):  # the social worker's screen
        text = pdf_text(referral_letter_pdf(referral), tmp_path, f"letter-{language}")
        assert translation.get_language() == "nl-be"

    assert title in text and bring in text
    assert referral.code in text


def test_a_language_asked_for_explicitly_wins(referral, tmp_path):
    text = pdf_text(referral_letter_pdf(referral, language="en"), tmp_path)
    assert "Your referral to Deelpunt" in text


@pytest.mark.parametrize(
    ("language", "line"),
    [
        ("fr", "Montrez cette carte au comptoir"),
        ("en", "Show this card at the counter"),
        ("nl", "Toon deze kaart aan de balie"),
    ],
)
def test_the_household_card_is_in_the_households_language(db, tmp_path, language, line):
    household = HouseholdFactory(language=language, consent_at=timezone.now())
    assert line in pdf_text(household_card_pdf(household), tmp_path, f"card-{language}")


def test_the_summary_of_what_deelpunt_keeps_is_in_the_households_language(admin_user, tmp_path):
    from toegang import privacy

    household = HouseholdFactory(language="fr", email="x@example.org", consent_at=timezone.now())
    text = pdf_text(privacy.export_household_pdf(actor=admin_user, household=household), tmp_path)
    assert "Ce que Deelpunt conserve sur le ménage" in text
    assert "Consentement" in text and "Gezinscode" not in text


def test_the_printing_screen_stays_in_the_users_language(login, social_worker, tmp_path):
    from django.urls import reverse

    referral = ReferralFactory(
        household=HouseholdFactory(language="fr"),
        issued_by=social_worker,
        programs=[ProgramFactory(name="Pamperbank")],
    )
    # The requests activate the user's language; give the next tests theirs back.
    with translation.override(translation.get_language()):
        client = login(social_worker)
        client.post("/taal/", {"language": "en", "next": "/"})
        page = client.get(reverse("toegang:referral_detail", args=[referral.pk]))
        assert page.status_code == 200
        assert 'lang="en"' in page.content.decode()
        pdf = client.get(reverse("toegang:referral_letter", args=[referral.pk]))
        assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
        assert "Votre orientation vers Deelpunt" in pdf_text(pdf.content, tmp_path)
        after = client.get(reverse("toegang:referral_detail", args=[referral.pk]))
        assert 'lang="en"' in after.content.decode()
