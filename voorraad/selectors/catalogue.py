"""Reading the catalogue: what a scanned code stands for."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from kern import barcodes
from kern.errors import DomainError, NotFound
from voorraad.models import Product, ProductBarcode


@dataclass(frozen=True)
class ScannedProduct:
    product: Product
    units: int  # what one scan of this code stands for


def product_for_code(code: str) -> ScannedProduct:
    """A product label (one pack) or a manufacturer EAN (its mapped units).

    Raises NotFound with ``code="unknown_gtin"`` for a valid EAN nobody mapped yet, so an
    intake screen can offer to map it."""
    recognised = barcodes.recognise(code)
    if recognised.internal is not None:
        if recognised.internal.type != barcodes.CodeType.PRODUCT:
            raise DomainError(
                _("“%(code)s” is a %(kind)s, not a product.")
                % {"code": recognised.text, "kind": recognised.internal.type.code_label}
            )
        product = Product.objects.filter(pk=recognised.internal.number, is_active=True).first()
        if product is None:
            raise NotFound(_("No product with code %(code)s.") % {"code": recognised.text})
        return ScannedProduct(product, product.pack_size)
    if recognised.gtin is None:
        raise DomainError(
            _("“%(code)s” is not a product code or an EAN.") % {"code": recognised.text}
        )
    mapped = (
        ProductBarcode.objects.select_related("product")
        .filter(gtin=recognised.gtin, product__is_active=True)
        .first()
    )
    if mapped is None:
        raise NotFound(
            _("EAN %(gtin)s is not known yet: choose the product it belongs to.")
            % {"gtin": recognised.gtin},
            code="unknown_gtin",
        )
    return ScannedProduct(mapped.product, mapped.units)
