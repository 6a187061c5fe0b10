"""Links the apps above ``consult`` add to its pages, which ``consult`` may not import.

An app registers a function from its ``AppConfig.ready()``; the page calls every
registered function with the object it shows and the viewer, and lists the links they
return (``(label, url)``), in registration order. A function decides who may see its
links: it returns none for a viewer who may not follow them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Link = tuple[str, str]
LinkSource = Callable[..., list[Link]]

_section_links: list[LinkSource] = []
_round_links: list[LinkSource] = []


def add_section_links(source: LinkSource) -> None:
    """``source(*, section, user)``: links shown on a consultation section's page."""
    if source not in _section_links:
        _section_links.append(source)


def add_round_links(source: LinkSource) -> None:
    """``source(*, round_, user)``: links shown on a validation round's results page."""
    if source not in _round_links:
        _round_links.append(source)


def section_links(*, section: Any, user: Any) -> list[Link]:
    return [link for source in _section_links for link in source(section=section, user=user)]


def round_links(*, round_: Any, user: Any) -> list[Link]:
    return [link for source in _round_links for link in source(round_=round_, user=user)]
