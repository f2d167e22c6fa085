"""The links between nodes (data/interconnects.yaml): shipped, sourced, validated."""

from __future__ import annotations

import pytest

from sizer.errors import CatalogError
from sizer.io.loaders import load_interconnects, read_interconnects


def test_shipped_table_has_the_default_and_every_link_its_source_and_date():
    table = load_interconnects()
    assert table.default == "ib-ndr"
    assert set(table.ids) >= {"ib-ndr", "ib-hdr", "roce-200", "eth-100", "eth-25"}
    for link in table.links:
        assert link.source.startswith("https://") and link.date


@pytest.mark.parametrize(
    ("name", "gb_per_s"),
    [("ib-ndr", 50.0), ("ib-hdr", 25.0), ("roce-200", 25.0), ("eth-100", 12.5), ("eth-25", 3.125)],
)
def test_bandwidth_is_the_line_rate_in_gigabytes(name, gb_per_s):
    # 400 Gb/s / 8 bits = 50 GB/s; 200 / 8 = 25; 100 / 8 = 12.5; 25 / 8 = 3.125.
    link = load_interconnects().get(name.upper())
    assert link is not None and link.gb_per_s == gb_per_s


def test_a_default_that_is_not_listed_is_refused_naming_the_file():
    link = "{id: ib-ndr, name: NDR, gb_per_s: 50, latency_us: 1, source: x, date: '2026'}"
    text = f"default: ib-xdr\nlinks:\n  - {link}\n"
    with pytest.raises(CatalogError, match=r"links\.yaml.*ib-xdr"):
        read_interconnects(text, "links.yaml")


def test_a_link_without_bandwidth_is_refused_naming_the_entry():
    text = "default: a\nlinks:\n  - {id: a, name: A, latency_us: 1, source: x, date: '2026'}\n"
    with pytest.raises(CatalogError, match=r"links\[a\].*gb_per_s"):
        read_interconnects(text, "links.yaml")
