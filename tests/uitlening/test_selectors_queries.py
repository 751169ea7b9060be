"""The counter's reads stay cheap as a basket grows: what ``make bench`` measures
(benchmarks/bench_counter.py) is held here by query counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.voorraad.factories import ProductFactory
from tests.voorraad.helpers import book
from uitlening.selectors import ProductLine, price_basket

pytestmark = pytest.mark.django_db


def test_a_basket_reads_the_programs_of_a_category_once_not_per_line(
    point, family, diapers, stock_keeper
):
    more = [ProductFactory(name=f"Luiers maat {n}", category=diapers.category) for n in (5, 6)]
    for product in more:
        book(stock_keeper, point, (product, 10 * product.pack_size))

    def program_queries(products):
        with CaptureQueriesContext(connection) as queries:
            preview = price_basket(
                household=family,
                location=point,
                lines=[ProductLine(product=p, packs=1) for p in products],
            )
        assert not preview.refusals, preview.refusals
        return sum("uitlening_programcategory" in q["sql"] for q in queries.captured_queries)

    assert program_queries([diapers]) == 1
    assert program_queries([diapers, *more]) == 1
