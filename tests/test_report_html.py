"""The HTML report (render/html.py and its template): read back by its DOM (html.parser)."""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser

import pytest

from sizer.core.recommend import buyable_options, recommend
from sizer.io.loaders import load_catalog, load_cost_settings
from sizer.models import Money
from sizer.models.needs import Needs
from sizer.render.html import HEIGHT, PAD, WIDTH, place_labels, recommend_html

VOID = {"meta", "br", "hr", "img", "input", "link"}


class Node:
    def __init__(self, tag: str, attrs: dict[str, str], parent: Node | None) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node] = []
        self.texts: list[str] = []

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def text(self) -> str:
        return "".join(self.texts) + "".join(c.text() for c in self.children)

    def find_all(self, tag: str | None = None, cls: str | None = None) -> list[Node]:
        out = []
        for c in self.children:
            if (tag is None or c.tag == tag) and (cls is None or cls in c.classes):
                out.append(c)
            out += c.find_all(tag, cls)
        return out


class Dom(HTMLParser):
    """A tree of the page's elements (text kept in document order only per element)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.root = Node("#root", {}, None)
        self.at = self.root
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: v or "" for k, v in attrs}, self.at)
        self.at.children.append(node)
        if tag not in VOID:
            self.at = node

    def handle_startendtag(self, tag, attrs):
        self.at.children.append(Node(tag, {k: v or "" for k, v in attrs}, self.at))

    def handle_endtag(self, tag):
        assert self.at.tag == tag, f"</{tag}> closes <{self.at.tag}>"
        self.at = self.at.parent

    def handle_data(self, data):
        self.at.texts.append(data)

    def by_id(self, ident: str) -> Node | None:
        return next((n for n in self.root.find_all() if n.attrs.get("id") == ident), None)


@pytest.fixture(scope="module")
def world():
    catalog = load_catalog()
    settings = load_cost_settings("EUR")
    needs = Needs(use_case="chat", budget=Money(amount=20000))
    ranking = recommend(catalog, needs, buyable_options(catalog, needs, settings), settings)
    prices = {g.id: g.price for g in catalog.gpus if g.price is not None}
    return ranking, prices


def test_both_answers_and_the_question_are_present(world):
    ranking, prices = world
    html = recommend_html(ranking, prices, "2026-10-07", today=date(2026, 12, 2))
    dom = Dom(html)
    assert dom.at is dom.root  # every element closed
    right, best = dom.by_id("right-sized"), dom.by_id("best-in-budget")
    assert right is not None and best is not None
    assert ranking.right_sized[0].model in right.text()
    assert ranking.best_in_budget[0].model in best.text()
    for section in (right, best):
        text = section.text()
        assert "Purchase" in text and "Per 1M tokens" in text and "break-even" in text and "TTFT" in text
    question = dom.root.find_all("table", "question")[0].text()
    assert "chat" in question and "20,000 EUR" in question and "commercial use only" in question
    meta = dom.root.find_all("p", "meta")[0].text()
    assert "2026-12-02" in meta and "2026-10-07" in meta and "sizer 0." in meta
    assert "sizer probe" in html and "sizer check" in html and "sizer deploy" in html


def test_every_price_carries_its_date_and_source(world):
    ranking, prices = world
    dom = Dom(recommend_html(ranking, prices))
    spans = dom.root.find_all("span", "price")
    rows = dom.root.find_all("table", "prices")[0].find_all("tr")[1:]  # the header row aside
    assert len(rows) >= 2 and len(spans) >= len(rows) + 2  # the table's and the two answers'
    for span in spans:
        sources = span.find_all("cite", "source")
        assert len(sources) == 1, span.text()
        assert re.fullmatch(r"source: \S+.*", sources[0].text()), sources[0].text()
        assert re.search(r"\b20\d\d-\d\d\b", span.text()), span.text()  # the date it held
    # each GPU to buy in the answers has its catalog price shown
    shown = {row.find_all("td")[0].text() for row in rows}
    assert {r.gpu_name for r in ranking.recommendations if r.kind == "to buy"} <= shown


def test_a_non_commercial_pick_is_flagged_in_red(world):
    ranking, prices = world
    pick = ranking.right_sized[0].model_copy(update={"commercial_use": False, "license": "CC-BY-NC-4.0"})
    html = recommend_html(ranking.model_copy(update={"right_sized": (pick,)}), prices)
    dom = Dom(html)
    flagged = dom.by_id("right-sized").find_all("span", "non-commercial")
    assert len(flagged) == 1 and "CC-BY-NC-4.0" in flagged[0].text() and "not for commercial use" in flagged[0].text()
    assert re.search(r"\.non-commercial \{ color: #c00", html)
    best = dom.by_id("best-in-budget")
    assert ranking.best_in_budget[0].commercial_use and not best.find_all("span", "non-commercial")


def test_a_hostile_model_name_stays_text(world):
    ranking, prices = world
    evil = "<script>alert(1)</script>"
    pick = ranking.right_sized[0].model_copy(update={"model": evil, "model_name": evil, "license": '"><b>x</b>'})
    html = recommend_html(ranking.model_copy(update={"right_sized": (pick,)}), prices)
    assert "<script" not in html and "<b>x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert evil in Dom(html).by_id("right-sized").text()  # reads back as the text it was


def test_legend_colours_match_the_marks(world):
    ranking, prices = world
    dom = Dom(recommend_html(ranking, prices))
    svg = dom.root.find_all("svg")[0]
    marks = {c.attrs["fill"] for c in svg.find_all("circle", "mark")}
    legend = {c.attrs["fill"] for c in svg.find_all("circle", "legend-mark")}
    assert marks and marks <= legend
    labels = svg.find_all("text", "label")
    listed = dom.root.find_all("ol", "labels")[0].find_all("li")
    assert labels and [t.text() for t in labels] == [li.attrs["value"] for li in listed]


def test_labels_are_placed_apart_inside_the_plot():
    # twelve marks on top of one another and a row of close ones: no two labels may overlap
    anchors = [(300.0, 200.0)] * 12 + [(100.0 + 3 * i, 300.0) for i in range(10)]
    texts = [str(n) for n in range(1, len(anchors) + 1)]
    boxes = place_labels(anchors, texts)
    for i, a in enumerate(boxes):
        assert a.x >= PAD and a.x + a.w <= WIDTH and a.y >= 0 and a.y + a.h <= HEIGHT - PAD
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b), (a, b)
