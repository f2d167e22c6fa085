"""How cost figures read: break-even in whole months up to ten years, small amounts with two
significant figures."""

from __future__ import annotations

import pytest

from sizer.render.formatting import amount, break_even


@pytest.mark.parametrize(
    ("months", "shown"),
    [
        (14.2, "14 months"),
        (14.6, "15 months"),
        (1.2, "1 month"),
        (0.4, "< 1 month"),
        (120.0, "120 months"),
        (120.4, "> 10 years"),
        (6438.5, "> 10 years"),
        (None, "never"),
        (0, "already paid"),
    ],
)
def test_break_even_in_whole_months_and_beyond_ten_years(months, shown):
    assert break_even(months, 100.0) == shown


def test_no_alternative_price_shows_nothing():
    assert break_even(12.0, None) == ""


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (0.4321, "0.43"),
        (0.004567, "0.0046"),
        (3.456, "3.5"),
        (9.96, "10.0"),
        (12.6, "13"),
        (1234.5, "1,234"),
        (0, "0"),
    ],
)
def test_amounts_keep_two_significant_figures_below_ten(value, shown):
    assert amount(value) == shown
