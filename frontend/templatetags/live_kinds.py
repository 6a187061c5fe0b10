"""``{% kind_scripts %}``: the browser scripts of the registered activity kinds."""

from django import template
from django.templatetags.static import static
from django.utils.html import format_html_join

from sessions.kinds import kind_scripts as registered_scripts

register = template.Library()


@register.simple_tag
def kind_scripts() -> str:
    """One deferred ``<script>`` per kind script, to load before ``room.js``."""
    return format_html_join(
        "\n", '<script src="{}" defer></script>', ((static(path),) for path in registered_scripts())
    )
