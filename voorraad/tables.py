import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from voorraad.models import StockCount, StockLevel, StockMovement, Transfer
from voorraad.selectors import days_of_cover
from voorraad.units import describe_units


class StockLevelTable(tables.Table):
    location = tables.Column(verbose_name=_("location"), accessor="location__name")
    product = tables.Column(verbose_name=_("product"), accessor="product__name")
    category = tables.Column(verbose_name=_("category"), accessor="product__category__name")
    on_hand = tables.Column(verbose_name=_("on hand"), attrs={"td": {"class": "num"}})
    units = tables.Column(
        verbose_name=_("units"), accessor="on_hand", attrs={"td": {"class": "num"}}
    )
    minimum = tables.Column(verbose_name=_("minimum"), attrs={"td": {"class": "num"}})
    outflow = tables.Column(verbose_name=_("out, 8 weeks"), attrs={"td": {"class": "num"}})
    cover = tables.Column(
        verbose_name=_("days of cover"),
        empty_values=(),
        orderable=False,
        attrs={"td": {"class": "num"}},
    )
    value = tables.Column(verbose_name=_("value (EUR)"), attrs={"td": {"class": "num"}})

    class Meta:
        model = StockLevel
        fields = ()
        sequence = (
            "location",
            "product",
            "category",
            "on_hand",
            "units",
            "minimum",
            "outflow",
            "cover",
            "value",
        )
        row_attrs = {
            "class": lambda record: (
                "low" if record.minimum is not None and record.on_hand < record.minimum else ""
            )
        }
        order_by = ("location", "product")

    def render_on_hand(self, record):
        return describe_units(record.product, record.on_hand)

    def value_on_hand(self, record):
        return record.on_hand

    def render_minimum(self, value, record):
        return describe_units(record.product, value)

    def render_cover(self, record):
        days = days_of_cover(record.on_hand, record.outflow)
        if days is None:
            return "—"
        if days < 14:
            return format_html('<span class="badge warn">{}</span>', days)
        return days

    def value_cover(self, record):
        return days_of_cover(record.on_hand, record.outflow)

    def render_value(self, value):
        return f"{value:.2f}".replace(".", ",")

    def value_value(self, value):
        return value


class MovementTable(tables.Table):
    at = tables.DateTimeColumn(verbose_name=_("when"), format="d/m/Y H:i")
    product = tables.Column(verbose_name=_("product"), accessor="product__name")
    location = tables.Column(verbose_name=_("location"), accessor="location__name")
    quantity = tables.Column(verbose_name=_("quantity (units)"), attrs={"td": {"class": "num"}})
    document = tables.Column(
        verbose_name=_("document"),
        accessor="document_type",
        empty_values=(),
        orderable=False,
        attrs={"td": {"class": "document"}},
    )
    user = tables.Column(verbose_name=_("who"), accessor="user__username", default="—")
    actions = tables.TemplateColumn(
        template_name="voorraad/partials/movement_actions.html",
        verbose_name="",
        orderable=False,
        exclude_from_export=True,
    )

    class Meta:
        model = StockMovement
        fields = (
            "at",
            "product",
            "location",
            "quantity",
            "kind",
            "reason",
            "user",
        )
        sequence = ("at", "product", "location", "quantity", "kind", "document", "...")
        orderable = False

    def render_quantity(self, value):
        return f"{value:+d}"

    def render_document(self, record):
        """The document in words with its number: “schenking 12”."""
        if not record.document_type:
            return "—"
        label = record.get_document_type_display()
        return f"{label} {record.document_id}" if record.document_id else label

    def value_document(self, record):
        return self.render_document(record)


class TransferTable(tables.Table):
    id = tables.LinkColumn(
        "voorraad:transfer_detail", args=[tables.A("pk")], verbose_name=_("number")
    )

    class Meta:
        model = Transfer
        fields = ("id", "created_at", "from_location", "to_location", "status", "done_at", "note")
        orderable = False


class CountTable(tables.Table):
    id = tables.LinkColumn("voorraad:count_detail", args=[tables.A("pk")], verbose_name=_("number"))

    class Meta:
        model = StockCount
        fields = ("id", "location", "status", "started_at", "started_by", "finalised_at")
        orderable = False
