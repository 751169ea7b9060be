"""The "< 5" rule across a table and the totals shown beside it (``mask_sums``)."""

from __future__ import annotations

from rapportering.anonymity import mask_breakdown, mask_sums


def test_a_breakdown_with_one_small_row_hides_the_next_smallest_too():
    assert mask_breakdown([10, 2, 7], households=lambda n: n) == {1, 2}


def test_a_hidden_cell_cannot_be_worked_out_from_its_column_total_or_its_row():
    # Two rows split in two columns, each column's total shown as a key figure:
    #            first  returning  households
    #   Aalst      2       5          7
    #   Dest.      5       5         10
    #   total      7      10         17
    sizes = {
        "a1": 2, "a2": 5, "a": 7,
        "d1": 5, "d2": 5, "d": 10,
        "F": 7, "R": 10, "H": 17,
    }  # fmt: skip
    sums = [
        ("a", ["a1", "a2"]),
        ("d", ["d1", "d2"]),
        ("F", ["a1", "d1"]),
        ("R", ["a2", "d2"]),
        ("H", ["a", "d"]),
        ("H", ["F", "R"]),
    ]
    hidden = mask_sums(sizes, sums)
    # a1 is small; its row then hides a2; the columns then hide d1 and d2.
    assert hidden == {"a1", "a2", "d1", "d2"}
    for total, parts in sums:
        assert sum(cell in hidden for cell in (total, *parts)) != 1, total


def test_a_lone_hidden_part_whose_partners_are_all_zero_hides_its_total():
    # Only one product in the category: the category row is that product.
    hidden = mask_sums({"shampoo": 2, "care": 2, "diapers": 10, "all": 12}, [
        ("care", ["shampoo"]),
        ("all", ["care", "diapers"]),
    ])  # fmt: skip
    assert hidden == {"shampoo", "care", "diapers"}


def test_cells_that_follow_a_hidden_row_are_hidden_with_it():
    hidden = mask_sums({"row": 3, "active": 0, "other": 9}, [], follows={"row": ["active"]})
    assert hidden == {"row", "active"}
