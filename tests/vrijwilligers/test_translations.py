"""What the vrijwilligers models show a person (verbose names, field labels, help texts,
choice labels) is in the Dutch catalogue: it surfaces in forms, ``get_status_display``,
the admin and audit-log object types, where a missing entry shows English."""

from __future__ import annotations

from pathlib import Path

import polib
from django.apps import apps
from django.conf import settings
from django.utils import translation

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "nl" / "LC_MESSAGES" / "django.po"


def model_texts() -> set[str]:
    """The msgids themselves: read with translation deactivated."""
    texts: set[str] = set()
    with translation.override(None):
        for model in apps.get_app_config("vrijwilligers").get_models():
            texts |= {str(model._meta.verbose_name), str(model._meta.verbose_name_plural)}
            for field in [*model._meta.fields, *model._meta.many_to_many]:
                if field.auto_created:
                    continue
                texts |= field_texts(field)
    return texts


def field_texts(field) -> set[str]:
    texts = {str(text) for text in (field.verbose_name, field.help_text) if text}
    return texts | {str(label) for _value, label in field.choices or []}


def test_every_vrijwilligers_model_text_has_a_dutch_translation():
    translated = {entry.msgid for entry in polib.pofile(str(CATALOGUE)).translated_entries()}
    # Labels Django derives from a field name (no verbose_name given) are not translatable.
    derived = {
        field.name.replace("_", " ")
        for model in apps.get_app_config("vrijwilligers").get_models()
        for field in model._meta.fields
    }
    missing = sorted(text for text in model_texts() - translated if text not in derived)
    assert missing == []
