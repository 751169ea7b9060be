"""The form that registers a family at the counter: the minimum, no contact details."""

from __future__ import annotations

import uuid

from django import forms
from django.conf.locale import LANG_INFO
from django.utils.translation import gettext_lazy as _

from toegang.forms import ChildrenForm

# Languages families at Flemish counters often prefer; shown in their own name.
FAMILY_LANGUAGES = ("nl", "fr", "en", "de", "ar", "tr", "pl", "ro", "bg", "es", "ru", "uk", "fa")


def new_form_key() -> str:
    return uuid.uuid4().hex


class CounterRegistrationForm(ChildrenForm):
    """The minimum to register a family at the counter: no contact details."""

    postcode = forms.CharField(
        label=_("Postcode"),
        max_length=4,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    adults = forms.IntegerField(label=_("Adults"), min_value=1, max_value=12, initial=1)
    language = forms.ChoiceField(label=_("Preferred language"), initial="nl")
    uitpas_number = forms.CharField(
        label=_("UiTPAS number (optional)"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    consent = forms.BooleanField(
        label=_("The family agrees that we keep a first name"), required=False
    )
    first_name = forms.CharField(
        label=_("First name (optional, only with consent)"),
        required=False,
        max_length=60,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    # Made when the form is shown: the same form sent twice registers one family.
    idempotency_key = forms.CharField(required=False, max_length=100, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"reg{uuid.uuid4().hex[:6]}_%s")
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", new_form_key())
        language = self.fields["language"]
        assert isinstance(language, forms.ChoiceField)
        language.choices = [(code, LANG_INFO[code]["name_local"]) for code in FAMILY_LANGUAGES]
