"""The HTML report (render/html.py and its template): read back by its DOM (html.parser)."""

from __future__ import annotations

import re
import shutil
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


# --- the report in German, and the chart of latency against load ---------------------------------


@pytest.fixture(scope="module")
def busy_world():
    """Thirty people at 10 requests each in the busy hour, first token within 2 s, 20,000 EUR."""
    catalog = load_catalog()
    settings = load_cost_settings("EUR")
    # users_for_headcount(30, 10, 256, 10): 30 * 10 / 3600 = 0.0833 requests/s, each holding a
    # slot 256 / 10 = 25.6 s: L = 2.13, + 1.645 * sqrt(2.13) = 2.40 -> 4.53, so 5 at once.
    needs = Needs(
        use_case="chat", budget=Money(amount=20000), headcount=30, requests_per_hour=10, users=5, max_ttft_s=2
    )
    ranking = recommend(catalog, needs, buyable_options(catalog, needs, settings), settings)
    prices = {g.id: g.price for g in catalog.gpus if g.price is not None}
    return ranking, prices


def _report(ranking, prices, lang: str) -> str:
    from sizer.render import i18n

    i18n.install(lang)
    try:
        return recommend_html(ranking, prices, "2026-10-07", today=date(2026, 12, 2))
    finally:
        i18n.install("en")


SKIP = {"style", "code", "cite", "title"}  # commands, sources and hover titles are not prose


def _fragments(html: str) -> list[str]:
    """The page's visible text, one fragment per text node, commands and sources left out."""

    class Texts(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.stack: list[str] = []
            self.out: list[str] = []

        def handle_starttag(self, tag, attrs):
            if tag not in VOID:
                self.stack.append(tag)

        def handle_endtag(self, tag):
            self.stack.pop()

        def handle_data(self, data):
            if data.strip() and not SKIP & set(self.stack):
                self.out.append(" ".join(data.split()))

    parser = Texts()
    parser.feed(html)
    return parser.out


def _data_names(ranking) -> list[str]:
    """Names the catalog gives (models, GPUs, licences, APIs): the same in every language."""
    names = {r.model_name for r in ranking.recommendations} | {r.license for r in ranking.recommendations}
    names |= {r.gpu_name for r in ranking.recommendations} | {a.gpu_name for a in ranking.alternatives}
    names |= {r.cost.api_reference for r in ranking.recommendations if r.cost.api_reference}
    names |= {r.model for r in ranking.recommendations} | {a.model for a in ranking.alternatives}
    names |= {e.model for e in ranking.excluded} | set(ranking.unscored)
    return sorted(names, key=len, reverse=True)


def test_the_german_report_has_no_english_sentence_of_the_english_one(busy_world):
    ranking, prices = busy_world
    english, german = _report(ranking, prices, "en"), _report(ranking, prices, "de")
    german_text = "\n".join(_fragments(german))
    names = _data_names(ranking)

    def prose(fragment: str) -> str:
        for name in names:
            fragment = fragment.replace(name, "")
        return fragment

    # an English fragment of three or more words (after the catalog's names are taken out) that
    # the German page repeats is an untranslated sentence
    sentences = {f for f in _fragments(english) if len(re.findall(r"[A-Za-z]{2,}", prose(f))) >= 3}
    assert len(sentences) > 40  # the page's headings, labels and sentences
    left = sorted(s for s in sentences if s in german_text)
    assert left == []
    assert '<html lang="de">' in german and "2. Dezember 2026" in german and "7. Oktober 2026" in german
    for heading in ("Die Frage", "Die Antworten", "Kosten gegen Geschwindigkeit", "Latenz gegen Last"):
        assert heading in german_text
    assert "Einführungsplan (14–30 Tage)" in german_text and "Anschaffungskosten" in german_text


def test_the_german_report_writes_money_and_numbers_the_german_way(busy_world):
    ranking, prices = busy_world
    german = _report(ranking, prices, "de")
    # the catalog's Strix Halo system: USD 3,449 / 1.1739 USD per EUR = 2,938.07 -> "2.938 €"
    assert "2.938 € (Systempreis, zzgl. MwSt." in german
    assert re.search(r"\b\d{1,3}(\.\d{3})+ €", german)  # grouped with points, the sign after
    assert "20.000 €" in german and "20,000 EUR" not in german  # the budget
    assert re.search(r"\d+,\d\d €", german)  # per 1M tokens: a decimal comma
    assert not re.search(r"\b\d{1,3}(,\d{3})+ (EUR|€)", german)


def _latency(html: str) -> Node:
    chart = Dom(html).by_id("latency-chart")
    assert chart is not None
    return chart


def _text_box(node: Node) -> tuple[float, float, float, float]:
    """A text element's box (x, y, w, h) from its anchor and an upper bound on its glyphs' width."""
    x, y = float(node.attrs["x"]), float(node.attrs["y"])
    size = float(node.attrs.get("font-size", "12"))
    w = len(node.text()) * size * 0.62  # a sans-serif glyph is at most ~0.6 em wide, digits 0.55
    anchor = node.attrs.get("text-anchor", "start")
    left = x - w / 2 if anchor == "middle" else x - w if anchor == "end" else x
    if "rotate(-90" in node.attrs.get("transform", ""):  # the y axis's label stands upright
        return (x - size, y - w / 2, size, w)
    return (left, y - size, w, size * 1.2)


def _overlap(a, b) -> bool:
    return not (a[0] + a[2] <= b[0] or b[0] + b[2] <= a[0] or a[1] + a[3] <= b[1] or b[1] + b[3] <= a[1])


@pytest.mark.parametrize("lang", ["en", "de"])
def test_the_latency_chart_labels_do_not_overlap_and_its_legend_matches(busy_world, lang):
    ranking, prices = busy_world
    chart = _latency(_report(ranking, prices, lang))
    svg = chart.find_all("svg")[0]
    texts = svg.find_all("text")
    assert {"axis-label", "tick", "slo-label"} <= {c for t in texts for c in t.classes}
    boxes = [_text_box(t) for t in texts]
    for i, a in enumerate(boxes):
        assert a[0] >= 0 and a[0] + a[2] <= WIDTH and a[1] >= 0 and a[1] + a[3] <= HEIGHT, texts[i].text()
        for j in range(i + 1, len(boxes)):
            assert not _overlap(a, boxes[j]), (texts[i].text(), texts[j].text())
    lines = svg.find_all("polyline", "series")
    keys = chart.find_all("span", "legend-key")
    assert lines and [line.attrs["stroke"] for line in lines] == [
        k.attrs["style"].removeprefix("background: ") for k in keys
    ]
    # every point of a line has its line's colour, and the legend names each line's pick
    for line in lines:
        assert len(line.attrs["points"].split()) >= 4
    legend = [li.text() for li in chart.find_all("li")]
    picks = [ranking.right_sized[0], ranking.best_in_budget[0]]
    assert all(any(p.model in text for text in legend) for p in picks)


def test_the_latency_curve_comes_from_the_serving_model(busy_world):
    from sizer.core.capacity import users_for_headcount

    ranking, _prices = busy_world
    pick = ranking.right_sized[0]
    curve = pick.latency_curve
    assert [p.headcount for p in curve] == sorted(p.headcount for p in curve)
    # 30 people: the 5 at once sized above; 90 people (three times): L = 6.4, + 1.645 * 2.53 -> 11
    by_people = {p.headcount: p for p in curve}
    assert by_people[30].concurrency == 5 == users_for_headcount(30, 10, 256, 10)
    assert by_people[90].concurrency == 11
    # the asked load's first token is the pick's own closed-loop figure
    assert pick.serving is not None and by_people[30].ttft_s == pytest.approx(pick.serving.ttft_s)
    # three times the people wait longer for their first token than a quarter of them
    assert curve[-1].ttft_s > curve[0].ttft_s


@pytest.mark.parametrize(
    ("top", "ticks"),
    [
        (94, [0, 25, 50, 75, 100]),  # 94 / 4 = 23.5: the next round step is 25
        (2.2, [0, 1, 2, 3]),  # 0.55: 0.5 would take 5 steps to pass 2.2, so 1
        (8, [0, 2, 4, 6, 8]),  # exactly 4 steps of 2
        (0.31, [0, 0.1, 0.2, 0.3, 0.4]),  # 0.0775: 1 * 10^-1
    ],
)
def test_nice_ticks(top, ticks):
    from sizer.render.html import nice_ticks

    assert nice_ticks(top) == pytest.approx(ticks)


def test_without_a_headcount_the_latency_chart_is_against_requests_in_flight(world):
    ranking, prices = world  # --users 1, no headcount, no SLO on the first token
    chart = _latency(recommend_html(ranking, prices))
    labels = [t.text() for t in chart.find_all("text", "axis-label")]
    assert labels == ["requests in flight", "time to first token (s)"]
    assert not chart.find_all("line", "slo")
    # users 1: the shares 0.25 .. 3 of one user round to 1, 2 and 3 requests in flight
    assert [p.concurrency for p in ranking.right_sized[0].latency_curve] == [1, 2, 3]


# Measured in the browser: every chart label's box as Chromium lays the page out, written back
# into the DOM (--dump-dom prints the page after its scripts ran).
_MEASURE = """<script>
const boxes = (root, sel) => [...root.querySelectorAll(sel)].map(e => {
  const r = e.getBoundingClientRect();
  return [r.left, r.top, r.right, r.bottom, e.textContent.trim()];
});
const span = (lo1, hi1, lo2, hi2) => Math.min(hi1, hi2) - Math.max(lo1, lo2);
const hit = (a, b) => span(a[0], a[2], b[0], b[2]) > 0.5 && span(a[1], a[3], b[1], b[3]) > 0.5;
const colour = e => {
  const s = getComputedStyle(e);
  return e.tagName === 'circle' ? s.fill : e.tagName === 'polyline' ? s.stroke : s.backgroundColor;
};
const out = {overlaps: [], charts: 0, legend: {}};
for (const chart of document.querySelectorAll('.chart')) {
  out.charts += 1;
  const labels = boxes(chart, 'text.label, text.slo-label, .legend text, .legend li');
  for (let i = 0; i < labels.length; i++) for (let j = i + 1; j < labels.length; j++)
    if (hit(labels[i], labels[j])) out.overlaps.push([chart.id, labels[i][4], labels[j][4]]);
  out.legend[chart.id] = {
    keys: [...chart.querySelectorAll('.legend-mark, .legend-key')].map(colour),
    marks: [...new Set([...chart.querySelectorAll('circle.mark, polyline.series')].map(colour))],
  };
}
document.body.setAttribute('data-measured', JSON.stringify(out));
</script>"""


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed")
@pytest.mark.parametrize("lang", ["en", "de"])
def test_in_chromium_no_chart_label_overlaps_another_and_every_mark_colour_is_in_its_legend(busy_world, lang, tmp_path):
    import html as html_lib
    import json
    import subprocess

    page = tmp_path / "report.html"
    page.write_text(_report(*busy_world, lang).replace("</body>", _MEASURE + "</body>"), encoding="utf-8")
    dom = subprocess.run(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--window-size=1200,1600",
            "--dump-dom",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    found = re.search(r'data-measured="([^"]*)"', dom)
    assert found, "the measuring script did not run"
    measured = json.loads(html_lib.unescape(found.group(1)))
    assert measured["charts"] == 2
    assert measured["overlaps"] == []
    for chart, colours in measured["legend"].items():
        assert colours["marks"], chart
        assert set(colours["marks"]) <= set(colours["keys"]), chart
