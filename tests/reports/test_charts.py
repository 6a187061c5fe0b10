"""The report's bar charts (reports/charts.py): SVG documents with their text as text."""

import re
from html import unescape

from django.utils import translation

from reports.charts import bar_chart_svg

SPANISH = "Mujeres y niñas en la cadena de suministro: acción y participación local"
CHINESE = "负责任矿产采购"
ROWS = [(SPANISH, 45.5), (CHINESE, 30.25), ("Cooperação", 100.0), ("Cost in $ and $", 0)]


def texts(svg: str) -> list[str]:
    """The SVG's text elements' contents, in document order."""
    return [unescape(text) for text in re.findall(r"<text\b[^>]*>([^<]*)</text>", svg)]


def test_one_bar_per_row_in_the_given_order():
    svg = bar_chart_svg(title="Share", rows=ROWS, maximum=100)
    assert re.findall(r'<g id="(bar-\d+)"', svg) == ["bar-0", "bar-1", "bar-2", "bar-3"]
    # Each bar group holds one path (its rectangle); the top row's bar is highest.
    bars = re.findall(r'<g id="bar-\d+">\s*<path d="M ([\d.]+) ([\d.]+)', svg)
    assert len(bars) == 4
    tops = [float(y) for _, y in bars]
    assert tops == sorted(tops)


def test_title_labels_and_values_are_text_in_the_active_language():
    with translation.override("es"):
        svg = bar_chart_svg(title="Participación <por> región", rows=ROWS, maximum=100)
    assert svg.startswith("<?xml")
    assert "<title>Participación &lt;por&gt; región</title>" in svg
    shown = texts(svg)
    # The Spanish label wraps at about 40 characters, on lines that follow each other.
    assert SPANISH not in shown
    assert SPANISH in " ".join(shown)
    assert "Mujeres y niñas en la cadena de" in shown
    assert CHINESE in shown
    assert "Cooperação" in shown
    # Dollar signs stay dollar signs (no mathtext).
    assert "Cost in $ and $" in shown
    # The values as the Spanish write them, after their bars.
    for value in ("45,5\u00a0%", "30,3\u00a0%", "100,0\u00a0%", "0,0\u00a0%"):
        assert value in shown
    # Text stays text, in fonts that have the Chinese.
    assert "WenQuanYi Zen Hei" in svg or "Noto Sans CJK" in svg


def test_other_units_follow_the_number():
    with translation.override("es"):
        svg = bar_chart_svg(title="Votos", rows=[("Sí", 1234.5), ("No", 12)], unit="votos")
    shown = texts(svg)
    assert "1234,5\u00a0votos" in shown
    assert "12\u00a0votos" in shown


def test_long_labels_are_cut_after_three_lines():
    label = " ".join(["consultation"] * 30)
    svg = bar_chart_svg(title="Long", rows=[(label, 10)])
    lines = [line for line in texts(svg) if "consultation" in line]
    assert len(lines) == 3
    assert all(len(line) <= 40 for line in lines)
    assert lines[-1].endswith("…")


def test_the_chart_grows_with_its_rows():
    def height(svg):
        return float(re.search(r'<svg[^>]* height="([\d.]+)pt"', svg).group(1))

    few = bar_chart_svg(title="Few", rows=[("A", 1), ("B", 2)])
    many = bar_chart_svg(title="Many", rows=[(f"Row {i}", i) for i in range(12)])
    assert height(many) > 3 * height(few)


def test_grey_only():
    svg = bar_chart_svg(title="Share", rows=ROWS, maximum=100)
    colours = set(re.findall(r"#([0-9a-fA-F]{6})\b", svg))
    assert colours
    for colour in colours:
        red, green, blue = (colour[i : i + 2] for i in (0, 2, 4))
        assert red == green == blue, colour


def test_same_rows_same_bytes():
    first = bar_chart_svg(title="Share", rows=ROWS, maximum=100)
    second = bar_chart_svg(title="Share", rows=ROWS, maximum=100)
    assert first == second
    assert "<dc:date>" not in first


def test_no_rows_no_chart():
    assert bar_chart_svg(title="Nothing", rows=[]) == ""
