"""The report's charts, drawn on the server with matplotlib as SVG documents.

``bar_chart_svg`` draws one horizontal bar per row, in grey only (dark grey bars, black
text, a light grid: it reads printed in black and white), with each value written at
the end of its bar in the active language (``consult.formats``). The text stays text
(``svg.fonttype = "none"``: searchable, selectable, small), in a family list that draws
Latin, accented Latin and Chinese (the first installed of ``FONT_FAMILIES``; ``make
report-deps`` installs Debian's WenQuanYi Zen Hei). The same rows give the same bytes
(a fixed ``svg.hashsalt``, no date in the metadata), so a report can be compared.

The chart's title is the SVG's ``<title>`` (its accessible name), not drawn: the page
shows it in the figure's ``figcaption``, and the data table under the chart is the
chart's text alternative. Embed the SVG as ``<img src="data:image/svg+xml;base64,...">``
(the strict CSP blocks the ``style`` attributes of an inline ``<svg>`` on the web page;
the PDF renders the ``<img>`` the same: ``reports/pdf.py``).

It uses matplotlib's object API (no pyplot, no global figure); the rc settings it needs
are global, so one chart is drawn at a time (a lock): charts are drawn by the tasks
worker, a few per report.
"""

from __future__ import annotations

import logging
import textwrap
import threading
import unicodedata
from collections.abc import Sequence
from functools import cache
from io import StringIO
from xml.sax.saxutils import escape

import matplotlib
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from consult import formats

# The families tried for each character in turn (matplotlib's font fallback); the ones
# installed here are written in the SVG too, for the viewer (a browser, WeasyPrint).
FONT_FAMILIES = ("DejaVu Sans", "WenQuanYi Zen Hei", "Noto Sans CJK SC", "Noto Sans CJK JP")
# Fonts with Chinese matplotlib may not have seen (its font list is cached on the first
# import, perhaps before the fonts were installed): their files' names, in lower case
# without dashes.
CJK_FONT_FILES = ("wqyzenhei", "notosanscjk")

BAR_COLOUR = "#4d4d4d"
GRID_COLOUR = "#d0d0d0"
TEXT_COLOUR = "#000000"
WIDTH_INCHES = 6.5
FONT_SIZE = 9
# A label wraps at this many characters (half as many for Chinese, twice as wide), on at
# most this many lines, the rest cut with an ellipsis.
LABEL_WIDTH = 40
LABEL_LINES = 3

_lock = threading.Lock()


class _KnownWeights(logging.Filter):
    """WenQuanYi Zen Hei has one weight (medium), which matplotlib warns about on every
    first use; drawn at that weight, as meant."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("findfont: Failed to find font weight")


logging.getLogger("matplotlib.font_manager").addFilter(_KnownWeights())


def bar_chart_svg(
    *,
    title: str,
    rows: Sequence[tuple[str, float]],
    unit: str = "%",
    maximum: float | None = None,
) -> str:
    """A horizontal bar chart of ``rows`` (label, value), one bar per row top to bottom
    in the given order, as a standalone SVG document; "" when there are no rows.

    Values are written as ``consult.formats.percent`` when ``unit`` is "%", else as
    ``consult.formats.number`` followed by ``unit`` (if any), in the active language.
    The value axis runs from 0 (or the smallest negative value) to ``maximum`` (e.g.
    100 for shares; a larger value widens it) or, when None, to the largest value. Each bar is an SVG group with
    the id ``bar-<index>``.
    """
    if not rows:
        return ""
    labels = [_wrap(str(label)) for label, _ in rows]
    values = [float(value) for _, value in rows]
    shown = [_format(value, unit) for value in values]
    lines = max(label.count("\n") + 1 for label in labels)
    with _lock, matplotlib.rc_context(_rc()):
        figure = Figure(figsize=(WIDTH_INCHES, _height(len(rows), lines)), layout="constrained")
        axes = figure.add_subplot()
        positions = range(len(rows))
        bars = axes.barh(positions, values, height=0.6, color=BAR_COLOUR, zorder=2)
        for index, bar in enumerate(bars):
            bar.set_gid(f"bar-{index}")
        axes.set_yticks(positions, labels=labels)
        axes.invert_yaxis()
        axes.bar_label(bars, labels=shown, padding=3, color=TEXT_COLOUR, fontsize=FONT_SIZE)
        top = max(values) if maximum is None else max(maximum, *values)
        bottom = min(0.0, *values)
        axes.set_xlim(bottom, top if top > bottom else bottom + 1)
        axes.xaxis.set_major_locator(MaxNLocator(nbins=5))
        axes.xaxis.set_major_formatter(lambda value, _: _format(value, unit, decimals=-1))
        axes.grid(axis="x", color=GRID_COLOUR, linewidth=0.6, zorder=0)
        axes.grid(axis="y", visible=False)
        axes.tick_params(axis="y", length=0)
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
        out = StringIO()
        figure.savefig(out, format="svg", metadata={"Date": None})
    return _with_title(out.getvalue(), title)


def _rc() -> dict:
    return {
        "svg.fonttype": "none",
        "svg.hashsalt": "reports.charts",
        "font.family": _families(),
        "font.size": FONT_SIZE,
        "text.color": TEXT_COLOUR,
        "text.parse_math": False,
        "axes.edgecolor": TEXT_COLOUR,
        "axes.labelcolor": TEXT_COLOUR,
        "xtick.color": TEXT_COLOUR,
        "ytick.color": TEXT_COLOUR,
        "figure.facecolor": "white",
        "axes.facecolor": "white",
        "savefig.facecolor": "white",
    }


@cache
def _families() -> list[str]:
    """The installed ones of ``FONT_FAMILIES`` (naming a missing family makes matplotlib
    warn), after telling matplotlib of the Chinese fonts installed since its cache."""
    known = {font.name for font in font_manager.fontManager.ttflist}
    if not known.intersection(FONT_FAMILIES[1:]):
        for path in font_manager.findSystemFonts():
            if any(name in path.lower().replace("-", "") for name in CJK_FONT_FILES):
                font_manager.fontManager.addfont(path)
        known = {font.name for font in font_manager.fontManager.ttflist}
    return [family for family in FONT_FAMILIES if family in known] + ["sans-serif"]


def _wrap(label: str) -> str:
    """``label`` on at most ``LABEL_LINES`` lines of about ``LABEL_WIDTH`` characters."""
    wide = sum(unicodedata.east_asian_width(char) in "WF" for char in label)
    width = LABEL_WIDTH // 2 if wide * 2 > len(label) else LABEL_WIDTH
    lines = textwrap.wrap(
        " ".join(label.split()), width=width, max_lines=LABEL_LINES, placeholder=" …"
    )
    return "\n".join(lines)


def _format(value: float, unit: str, *, decimals: int | None = None) -> str:
    """``value`` as the report writes it (``decimals`` as in ``consult.formats``, else
    their defaults: the data tables' too)."""
    if unit == "%":
        return formats.percent(value, **({} if decimals is None else {"decimals": decimals}))
    shown = formats.number(value, **({} if decimals is None else {"decimals": decimals}))
    return f"{shown}\u00a0{unit}" if unit else shown


def _height(rows: int, lines: int) -> float:
    """The figure's height in inches: the axis and margins, and a band per row as tall
    as the longest label."""
    return 0.7 + rows * (0.32 + 0.16 * (lines - 1))


def _with_title(svg: str, title: str) -> str:
    """``svg`` with ``title`` as its first child's ``<title>``."""
    start = svg.index("<svg")
    end = svg.index(">", start) + 1
    return f"{svg[:end]}\n <title>{escape(title)}</title>{svg[end:]}"
