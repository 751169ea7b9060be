"""Stock hot paths on a generated ledger of a million rows (issue: voorraad).

The dataset is made with raw bulk inserts (the ledger is append-only, so this is what an
import would do); balances are set to the ledger sums and checked with reconcile."""

from __future__ import annotations

import datetime as dt
import random
import time

from django.db import connection, transaction
from django.utils import timezone

PRODUCTS = 100
LOCATIONS = 10
ROWS = 1_000_000


def generate_ledger(rows: int = ROWS) -> dict:
    """Products × locations with ``rows`` movements spread over ten years."""
    from kern.models import Location, Municipality
    from voorraad.models import Category, Product, StockLevel, StockMovement

    started = time.perf_counter()
    municipality = Municipality.objects.first()
    locations = [
        Location.objects.get_or_create(
            name=f"Bench locatie {i}",
            defaults={"kind": Location.Kind.DISTRIBUTION_POINT, "municipality": municipality},
        )[0]
        for i in range(LOCATIONS)
    ]
    category, _ = Category.objects.get_or_create(name="Bench")
    products = [
        Product.objects.get_or_create(
            name=f"Bench product {i}", defaults={"category": category, "pack_size": 1 + i % 50}
        )[0]
        for i in range(PRODUCTS)
    ]
    pairs = [(p.pk, loc.pk) for p in products for loc in locations]
    per_pair = rows // len(pairs)
    start = timezone.now() - dt.timedelta(days=3650)
    step = dt.timedelta(days=3650) / per_pair
    rng = random.Random(42)
    table = StockMovement._meta.db_table
    sql = (
        f"INSERT INTO {table} (product_id, location_id, quantity, kind, document_type, reason, at)"
        " VALUES (%s, %s, %s, %s, '', '', %s)"
    )
    balances = {}
    with transaction.atomic(), connection.cursor() as cursor:
        batch = []
        for product_id, location_id in pairs:
            on_hand = 0
            for i in range(per_pair):
                if on_hand > 20 and rng.random() < 0.5:
                    quantity, kind = -rng.randint(1, min(on_hand, 10)), "uitdeling"
                else:
                    quantity, kind = rng.randint(1, 12), "schenking"
                on_hand += quantity
                batch.append((product_id, location_id, quantity, kind, start + step * i))
                if len(batch) >= 20_000:
                    cursor.executemany(sql, batch)
                    batch.clear()
            balances[(product_id, location_id)] = on_hand
        if batch:
            cursor.executemany(sql, batch)
        StockLevel.objects.bulk_create(
            [
                StockLevel(product_id=p, location_id=loc, on_hand=n)
                for (p, loc), n in balances.items()
            ],
            update_conflicts=True,
            unique_fields=["product", "location"],
            update_fields=["on_hand"],
        )
    seconds = time.perf_counter() - started
    return {
        "rows": per_pair * len(pairs),
        "seconds": round(seconds, 1),
        "locations": locations,
        "products": products,
    }


def benchmarks(repeat: int, client_factory):
    """Yield (name, callable, repeat, extra) for the stock hot paths."""
    from kern.labels import A4_3X8, BAR_WIDTH, QUIET, Label, labels_pdf
    from kern.models import User
    from voorraad import selectors, services
    from voorraad.models import StockMovement

    data = generate_ledger()
    extra = {"ledger_rows": StockMovement.objects.count(), "generated_in_s": data["seconds"]}
    coordinator = User.objects.get(username="coordinator")
    location = data["locations"][3]
    product = data["products"][7]
    coordinator_client = client_factory("coordinator")
    flip = [1]

    def post_one():
        flip[0] = -flip[0]
        services.adjust_stock(
            actor=coordinator,
            product=product,
            location=location,
            quantity=flip[0] or 1,
            reason="bench",
        )

    from kern import services as kern_services

    token = kern_services.create_api_token(
        actor=coordinator, owner=coordinator, name="bench"
    ).plaintext
    api = client_factory("coordinator")
    body = {"product_id": product.pk, "location_id": location.pk, "quantity": 1, "reason": "bench"}

    def post_via_api():
        body["quantity"] = -body["quantity"]
        response = api.post(
            "/api/v1/voorraad/adjustments",
            body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
        assert response.status_code == 201, response.content

    def overview():
        response = coordinator_client.get(f"/voorraad/?location={location.pk}")
        assert response.status_code == 200

    as_of = timezone.now() - dt.timedelta(days=365)
    codes = [f"U{n:06d}X" for n in range(1000)]

    def labels_ours():
        labels_pdf([Label(code) for code in codes], layout=A4_3X8)

    def labels_raw():
        import io

        from reportlab.graphics.barcode.code128 import Code128
        from reportlab.pdfgen.canvas import Canvas

        buffer = io.BytesIO()
        canvas = Canvas(buffer, pagesize=(A4_3X8.page_width, A4_3X8.page_height))
        for index, code in enumerate(codes):
            if index and index % A4_3X8.per_page == 0:
                canvas.showPage()
            x, y = A4_3X8.origin(index)
            Code128(code, barWidth=BAR_WIDTH, barHeight=50, lquiet=QUIET, rquiet=QUIET).drawOn(
                canvas, x + 20, y + 20
            )
            canvas.drawCentredString(x + A4_3X8.label_width / 2, y + 8, code)
        canvas.showPage()
        canvas.save()

    yield "stock_post_one_line_movement", post_one, repeat, extra
    yield "stock_post_via_api_adjust_stock", post_via_api, repeat, extra
    yield "stock_overview_page_one_location", overview, max(50, repeat // 4), extra
    yield (
        "stock_as_of_date_one_location",
        lambda: selectors.stock_as_of(location=location, at=as_of),
        max(20, repeat // 10),
        extra,
    )
    yield "labels_1000_raw_reportlab", labels_raw, 5, {}
    yield "labels_1000_deelpunt", labels_ours, 5, {"compare_to": "labels_1000_raw_reportlab"}
