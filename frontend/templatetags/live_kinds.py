"""``{% kind_scripts %}`` and ``{% kind_styles %}``: the browser scripts and style
sheets of the registered activity kinds and room panels (sessions/panels.py)."""

from django import template
from django.templatetags.static import static
from django.utils.html import format_html_join

from sessions.kinds import kind_scripts as registered_scripts
from sessions.kinds import kind_styles as registered_styles
from sessions.panels import panels

register = template.Library()


@register.simple_tag
def kind_scripts() -> str:
    """One deferred ``<script>`` per kind script, to load before ``room.js``."""
    return format_html_join(
        "\n",
        '<script src="{}" defer></script>',
        (
            (static(path),)
            for path in [*registered_scripts(), *(p.script for p in panels() if p.script)]
        ),
    )


@register.simple_tag
def kind_styles() -> str:
    return format_html_join(
        "\n",
        '<link rel="stylesheet" href="{}">',
        (
            (static(path),)
            for path in [*registered_styles(), *(p.style for p in panels() if p.style)]
        ),
    )


@register.simple_tag
def live_panels():
    """The registered room panels, for the console's and projector's panel slots."""
    return panels()
