"""The report as a PDF, from its HTML page, with WeasyPrint.

``render_pdf`` lays the HTML out on the pages its print stylesheet asks for
(``reports/static/reports/report.css``: A4, page numbers) and returns the PDF's bytes,
tagged (headings, tables and the images' ``alt`` reach a screen reader).

Charts: embed each as ``<img src="data:image/svg+xml;base64,..." alt="...">`` (the SVG
of ``reports.charts.bar_chart_svg``, base64-encoded). WeasyPrint draws the SVG as
vectors and its text as text (searchable, in the fonts below); the web page shows the
same ``<img>`` under the strict CSP (``img-src`` allows ``data:``), which would block
the ``style`` attributes of an inline ``<svg>``. (An inline ``<svg>`` renders in the PDF
too, but use the ``<img>``: one markup for both.)

Nothing is fetched from the network: the fetcher reads only ``data:`` URLs and static
files, found by ``django.contrib.staticfiles``'s finders (the sources, as in
development) or else in the collected ``STATIC_ROOT`` (hashed names too). A static file
is named by its URL: ``{% static 'reports/report.css' %}`` ("/static/reports/...",
relative to ``base_url``, by default ``REPORT_ORIGIN``, an address that cannot exist), a
``file:`` URL inside one of those directories, or a name in ``stylesheets``. Anything
else (``http://example.org/x.png``, another file) is refused with
``FetchRefused``; WeasyPrint logs the refusal as an error (logger "weasyprint") and
renders the document without that resource.

Fonts: WeasyPrint draws with the system's fonts (fontconfig), each character in the
first of the stylesheet's families that has it; Chinese needs a CJK font installed
(``make report-deps`` installs Debian's ``fonts-wqy-zenhei``), or it comes out as
empty boxes.
"""

from __future__ import annotations

import mimetypes
import posixpath
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit
from urllib.request import url2pathname

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import SuspiciousFileOperation
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

# The base of the document's relative URLs when none is given: the ".invalid" domain
# never resolves (RFC 2606), and the fetcher serves its static paths from disk.
REPORT_ORIGIN = "https://report.invalid/"


class FetchRefused(ValueError):
    """The report asked for a resource outside its static files and ``data:`` URLs."""


def render_pdf(
    html: str, *, base_url: str | None = None, stylesheets: list[str] | None = None
) -> bytes:
    """``html`` (a whole document) as a PDF's bytes.

    ``base_url`` resolves the document's relative URLs (default ``REPORT_ORIGIN``): the
    static files' URLs under it are read from disk, never from the network.
    ``stylesheets`` are static files' names (e.g. "reports/report.css") applied on top
    of the document's own ``<link>``s and ``<style>``s. A name that is not a static file
    raises ``FetchRefused``; a resource the document itself asks for that is refused or
    missing is left out (an error on the "weasyprint" logger).
    """
    base = base_url or REPORT_ORIGIN
    fetcher = StaticOnlyFetcher(base_url=base)
    sheets = [
        CSS(url=fetcher.static_url(name), base_url=base, url_fetcher=fetcher)
        for name in stylesheets or ()
    ]
    document = HTML(string=html, base_url=base, url_fetcher=fetcher)
    return document.write_pdf(stylesheets=sheets, pdf_tags=True)


class StaticOnlyFetcher(URLFetcher):
    """WeasyPrint's fetcher restricted to ``data:`` URLs and the static files (see the
    module's docstring); every other URL raises ``FetchRefused``."""

    def __init__(self, *, base_url: str = REPORT_ORIGIN, **kwargs):
        # No network handler is ever reached: ``fetch`` refuses before opening, and
        # ``data:`` is the one protocol left to urllib.
        super().__init__(allowed_protocols=("data",), allow_redirects=False, **kwargs)
        self.static_prefix = urljoin(base_url, settings.STATIC_URL)

    def static_url(self, name: str) -> str:
        """The URL the fetcher serves the static file ``name`` at."""
        path = _static_path(name)
        if path is None:
            raise FetchRefused(f"The report has no static file {name!r}.")
        return urljoin(self.static_prefix, name.lstrip("/"))

    def fetch(self, url, headers=None):
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        path = self._local_path(url, scheme)
        if path is None:
            raise FetchRefused(
                f"The report may not fetch {url}: only data: URLs and the platform's "
                "static files are read when it is rendered."
            )
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(
            path.as_uri(), body=path.read_bytes(), headers={"Content-Type": kind}
        )

    def _local_path(self, url: str, scheme: str) -> Path | None:
        if url.startswith(self.static_prefix):
            name = unquote(urlsplit(url[len(self.static_prefix) :]).path)
            return _static_path(name)
        if scheme == "file":
            path = Path(url2pathname(unquote(urlsplit(url).path))).resolve()
            inside = any(path.is_relative_to(root) for root in _static_roots())
            return path if inside and path.is_file() else None
        return None


def _static_path(name: str) -> Path | None:
    """The file of the static file ``name``: the finders' (the sources), else the
    collected one (``STATIC_ROOT``, hashed names included); None when there is none or
    the name leaves the static directories."""
    name = posixpath.normpath(name.lstrip("/"))
    if name.startswith("..") or name in {".", ""}:
        return None
    found = finders.find(name)
    if found:
        return Path(found).resolve()
    try:
        if staticfiles_storage.exists(name):
            return Path(staticfiles_storage.path(name)).resolve()
    except (NotImplementedError, SuspiciousFileOperation):
        # A storage without local paths, or a name it refuses (SuspiciousFileOperation).
        return None
    return None


def _static_roots() -> list[Path]:
    """The directories static files are read from: the finders' and ``STATIC_ROOT``."""
    roots = [Path(settings.STATIC_ROOT).resolve()] if settings.STATIC_ROOT else []
    for finder in finders.get_finders():
        for storage in getattr(finder, "storages", {}).values():
            location = getattr(storage, "location", None)
            if location:
                roots.append(Path(location).resolve())
    return roots
