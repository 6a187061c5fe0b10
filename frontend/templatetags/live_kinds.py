"""``{% kind_scripts %}`` and ``{% kind_styles %}``: the browser scripts and style
sheets of the activity kinds a live page needs and of the room panels
(sessions/panels.py); ``{% kind_assets %}``: where every kind's files are, for room.js
to load a kind added to the agenda after the page was drawn."""

from __future__ import annotations

import json
from collections.abc import Iterable

from django import template
from django.templatetags.static import static
from django.utils.html import format_html_join

from sessions.kinds import kind_choices
from sessions.kinds import kind_scripts as registered_scripts
from sessions.kinds import kind_styles as registered_styles
from sessions.panels import panels

register = template.Library()


def _kinds(kinds: Iterable[str] | str | None) -> list[str] | None:
    """The kind names a tag was given; None (every kind) when it was given none, or a
    variable the page's context lacks (which templates resolve to "")."""
    if kinds is None or isinstance(kinds, str):
        return None
    return list(kinds)


@register.simple_tag
def kind_scripts(kinds: Iterable[str] | None = None) -> str:
    """One deferred ``<script>`` per script of ``kinds`` (the names of the kinds on the
    session's agenda; every kind without it) and per panel script, before ``room.js``."""
    paths = [*registered_scripts(kinds=_kinds(kinds)), *(p.script for p in panels() if p.script)]
    return format_html_join(
        "\n", '<script src="{}" defer></script>', ((static(path),) for path in paths)
    )


@register.simple_tag
def kind_styles(kinds: Iterable[str] | None = None) -> str:
    """One ``<link rel="stylesheet">`` per style sheet of ``kinds`` (every kind without
    it) and per panel style sheet."""
    paths = [*registered_styles(kinds=_kinds(kinds)), *(p.style for p in panels() if p.style)]
    return format_html_join(
        "\n", '<link rel="stylesheet" href="{}">', ((static(path),) for path in paths)
    )


@register.simple_tag
def kind_assets() -> str:
    """Every registered kind's files as JSON, for a ``data-kind-assets`` attribute:
    ``{name: {"scripts": [address, ...], "style": address or null}}``, the scripts a
    kind's script requires first. room.js loads from this a kind the page lacks."""
    assets = {}
    for name, _label in kind_choices():
        scripts = [static(path) for path in registered_scripts(kinds=[name])]
        styles = [static(path) for path in registered_styles(kinds=[name])]
        if scripts or styles:
            assets[name] = {"scripts": scripts, "style": styles[0] if styles else None}
    return json.dumps(assets, separators=(",", ":"))


@register.simple_tag
def live_panels():
    """The registered room panels, for the console's and projector's panel slots."""
    return panels()
