"""The themes pages' language filter: the languages the texts were written in, the one
a facilitator chose (``?language=<code>``), and the texts in it. A value that is not
one of the languages present is ignored: every text is shown."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from consult.translations import LANGUAGE_CODES, language_name

from .themes import ThemeInput


@dataclass(frozen=True)
class LanguageFilter:
    chosen: str  # a language present, or "" for every language
    choices: list[tuple[str, str]]  # (code, own name) of the languages present

    def apply(self, inputs: Iterable[ThemeInput]) -> list[ThemeInput]:
        """The texts written in the chosen language (all of them when none is)."""
        if not self.chosen:
            return list(inputs)
        return [item for item in inputs if item.language == self.chosen]


def language_filter(*, inputs: Iterable[ThemeInput], value: str | None) -> LanguageFilter:
    """The filter over ``inputs`` with ``value`` chosen, if it is a language present;
    texts of an unknown language ("") are shown only without a filter."""
    present = {item.language for item in inputs}
    choices = [(code, language_name(code)) for code in LANGUAGE_CODES if code in present]
    chosen = value if value and any(code == value for code, _name in choices) else ""
    return LanguageFilter(chosen=chosen, choices=choices)
