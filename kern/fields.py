"""Form fields shared by the apps."""

from typing import Any

from django import forms


class DecimalCommaField(forms.DecimalField):
    """Accepts “0,23”, “0.23”, “5” and “€ 1.234,50”: Belgian people type a decimal comma."""

    widget = forms.TextInput

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            text = value.replace("€", "").replace(" ", "").replace("\u00a0", "").strip()
            if "," in text:
                text = text.replace(".", "").replace(",", ".")
            value = text
        return super().to_python(value)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        attrs.pop("step", None)
        attrs.update({"inputmode": "decimal", "autocomplete": "off"})
        return attrs
