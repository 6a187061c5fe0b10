"""The report's PDF (reports/pdf.py): every character drawn, nothing fetched remotely."""

import base64
import io
import logging
import socket
from pathlib import Path

import pytest
from django.conf import settings
from pypdf import PdfReader

from reports.charts import bar_chart_svg
from reports.pdf import REPORT_ORIGIN, FetchRefused, StaticOnlyFetcher, render_pdf

CHINESE = "负责任矿产采购路线图研讨会"
SPANISH = "Año de la hoja de ruta: niñas, acción"
PORTUGUESE = "Cooperação e ação: três regiões"
CSS_FILE = Path(settings.BASE_DIR) / "reports" / "static" / "reports" / "report.css"


def page(body: str, *, head: str = '<link rel="stylesheet" href="/static/reports/report.css">'):
    return (
        f'<!doctype html><html lang="es"><head><meta charset="utf-8">{head}</head>'
        f'<body><article class="report">{body}</article></body></html>'
    )


def chart_img(svg: str) -> str:
    data = base64.b64encode(svg.encode()).decode()
    return f'<img src="data:image/svg+xml;base64,{data}" alt="Chart">'


def text(pdf: bytes) -> str:
    """The PDF's text, its line breaks as spaces."""
    pages = PdfReader(io.BytesIO(pdf)).pages
    return " ".join(" ".join(page.extract_text().split()) for page in pages)


def font_names(pdf: bytes) -> set[str]:
    """The /BaseFont of every font the pages use, their descendant fonts and those of
    the form XObjects (the charts) included."""
    names = set()

    def walk(resources):
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            names.add(str(font.get("/BaseFont")))
            for descendant in font.get("/DescendantFonts") or []:
                names.add(str(descendant.get_object().get("/BaseFont")))
        for xobject in (resources.get("/XObject") or {}).values():
            xobject = xobject.get_object()
            if "/Resources" in xobject:
                walk(xobject["/Resources"].get_object())

    for pdf_page in PdfReader(io.BytesIO(pdf)).pages:
        walk(pdf_page["/Resources"].get_object())
    return names


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to resolve or reach a host is recorded and fails."""
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("the tests have no network")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    return attempts


def test_latin_accents_chinese_and_a_chart_are_drawn(no_network):
    svg = bar_chart_svg(title="Participación", rows=[("Minería artesanal", 40), ("矿产", 60)])
    body = f"<h1>{CHINESE}</h1><h2>{SPANISH}</h2><p>{PORTUGUESE}</p>"
    body += f'<figure class="chart">{chart_img(svg)}<figcaption>Participación</figcaption></figure>'
    pdf = render_pdf(page(body))
    assert pdf.startswith(b"%PDF-")
    shown = text(pdf)
    for string in (CHINESE, SPANISH, PORTUGUESE):
        assert string in shown
    # The chart's labels and values are text in the PDF too.
    assert "Minería artesanal" in shown
    assert "矿产" in shown
    assert "40.0 %" in shown or "40,0 %" in shown
    # The stylesheet came from the static files: its footer numbers the pages.
    assert "1 / 1" in shown
    fonts = font_names(pdf)
    assert any("WenQuanYi" in name or "NotoSansCJK" in name for name in fonts), fonts
    assert any("DejaVu-Sans" in name for name in fonts), fonts
    assert no_network == []


def test_stylesheets_are_static_files():
    pdf = render_pdf(page("<h1>Sin enlace</h1>", head=""), stylesheets=["reports/report.css"])
    assert "1 / 1" in text(pdf)
    with pytest.raises(FetchRefused):
        render_pdf(page("<h1>x</h1>", head=""), stylesheets=["reports/missing.css"])
    with pytest.raises(FetchRefused):
        render_pdf(page("<h1>x</h1>", head=""), stylesheets=["../../consult/settings.py"])


def test_remote_resources_are_refused_and_never_fetched(no_network, caplog):
    body = f'<h1>{SPANISH}</h1><img src="http://example.org/x.png" alt="Remota">'
    head = '<link rel="stylesheet" href="https://example.org/x.css">'
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf = render_pdf(page(body, head=head))
    # The document renders without them.
    assert SPANISH in text(pdf)
    refusals = [r.getMessage() for r in caplog.records if "FetchRefused" in r.getMessage()]
    assert any("http://example.org/x.png" in message for message in refusals), refusals
    assert any("https://example.org/x.css" in message for message in refusals), refusals
    assert no_network == []


def test_the_fetcher_reads_data_and_static_files_only(no_network):
    fetcher = StaticOnlyFetcher()
    css = fetcher.fetch(f"{REPORT_ORIGIN}static/reports/report.css")
    assert css.content_type == "text/css"
    assert css.read() == CSS_FILE.read_bytes()
    assert fetcher.fetch(CSS_FILE.as_uri()).read() == CSS_FILE.read_bytes()
    assert fetcher.fetch("data:text/plain;base64,b2s=").read() == b"ok"
    refused = [
        "http://example.org/x.png",
        "https://example.org/static/reports/report.css",
        "ftp://example.org/x",
        f"{REPORT_ORIGIN}media/x.png",
        f"{REPORT_ORIGIN}static/../consult/settings.py",
        f"{REPORT_ORIGIN}static/reports/missing.css",
        (Path(settings.BASE_DIR) / "consult" / "settings.py").as_uri(),
        "file:///etc/passwd",
    ]
    for url in refused:
        with pytest.raises(FetchRefused, match="may not fetch"):
            fetcher.fetch(url)
    assert no_network == []


def test_a_given_base_url_serves_its_static_paths_from_disk(no_network):
    base = "https://consult.example.org/events/1/report/"
    pdf = render_pdf(page(f"<h1>{PORTUGUESE}</h1>"), base_url=base)
    assert "1 / 1" in text(pdf)
    assert no_network == []
