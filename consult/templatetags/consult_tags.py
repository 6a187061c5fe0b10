"""``markdown`` (sanitised Markdown to HTML) and ``get_count`` for the consultation pages."""

from django import template

from consult.markdown import render_markdown

register = template.Library()


@register.filter
def markdown(text: str):
    return render_markdown(text)


@register.filter
def get_count(counts: dict, key: str) -> int:
    return counts.get(key, 0)
