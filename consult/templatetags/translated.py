"""``{% load translated %}``: an organiser's text in the reader's language.

``{% translated obj "title" %}`` prints ``obj.title`` translated into the page's language
where the organiser gave a translation, else the original in an element carrying its
``lang`` (so screen readers read it in its language). ``{% original_note obj "title" %}``
prints the visible marker under a text shown in its original, and nothing otherwise.
``{% translated_text obj "title" %}`` is the plain text (for titles and attributes), and
``{% localized_language obj "title" %}`` the language it is shown in."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from consult.translations import fallback_note, localized

register = template.Library()


@register.simple_tag
def translated(obj, name: str):
    text = localized(obj, name)
    if text.fallback:
        return format_html('<span lang="{}">{}</span>', text.language, text.text)
    return text.text


@register.simple_tag
def translated_text(obj, name: str) -> str:
    return localized(obj, name).text


@register.simple_tag
def localized_language(obj, name: str) -> str:
    """The language the reader sees ``obj.<name>`` in (for a ``lang`` attribute)."""
    return localized(obj, name).language


@register.simple_tag
def original_note(obj, name: str):
    text = localized(obj, name)
    if not text.fallback:
        return ""
    return format_html('<p class="original-note">{}</p>', fallback_note(text.language))
