"""The form organisers translate their texts with, one language at a time: one input
per original text, the original shown beside it (``consult/translate.html``)."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.utils.translation import gettext_lazy as _

from .translations import LANGUAGE_CODES, language_name


@dataclass(frozen=True)
class Original:
    """One text to translate: ``key`` names it for the service, ``label`` for people;
    ``language`` is the text's own language where it differs from the page's original
    (a vocabulary whose titles were written in several languages)."""

    key: str
    label: str
    text: str
    translation: str
    max_length: int
    long: bool = False
    language: str = ""


class TranslationForm(forms.Form):
    def __init__(self, *args, texts: list[Original], language: str, source: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.texts = texts
        self.language = language
        self.source = source
        for index, original in enumerate(texts):
            # The original (shown above the input) describes it to screen readers.
            attrs = {"lang": language, "aria-describedby": f"id_text-{index}-original"}
            widget = (
                forms.Textarea(attrs={**attrs, "rows": 6})
                if original.long
                else forms.TextInput(attrs=attrs)
            )
            self.fields[f"text-{index}"] = forms.CharField(
                label=original.label,
                required=False,
                max_length=original.max_length,
                strip=True,
                widget=widget,
                initial=original.translation,
            )

    def rows(self) -> list[tuple[Original, forms.BoundField]]:
        return [(original, self[f"text-{i}"]) for i, original in enumerate(self.texts)]

    def translations(self) -> dict[str, str]:
        """The translations by ``Original.key`` (empty: none)."""
        return {
            original.key: self.cleaned_data[f"text-{i}"] for i, original in enumerate(self.texts)
        }


def language_links(*, source: str, current: str, done: list[str]) -> list[dict[str, object]]:
    """The languages a text written in ``source`` can be translated into, for the
    page's language list: code, name, whether it is the one shown, whether it has any
    translation yet."""
    return [
        {
            "code": code,
            "name": language_name(code),
            "current": code == current,
            "done": code in done,
        }
        for code in LANGUAGE_CODES
        if code != source
    ]


def chosen_language(raw: str | None, *, source: str) -> str:
    """The language asked for (``?language=``), else the first one that is not the
    original's."""
    if raw in LANGUAGE_CODES and raw != source:
        return raw
    return next(code for code in LANGUAGE_CODES if code != source)


NO_SUCH_LANGUAGE = _("Choose a language other than the original's.")
