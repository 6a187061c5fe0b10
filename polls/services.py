"""Writes for the poll kinds. Each runs inside the caller's transaction (the room's
``perform_command`` / ``moderate_activity``) and raises ``CommandError`` with a typed
code when a command is refused."""

from __future__ import annotations

import re
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from sessions.kinds import CommandError
from sessions.models import Activity, Participant

from . import command_queries

_SPACES = re.compile(r"\s+")


def normalise_word(text: str) -> str:
    """One form per word-cloud entry: trimmed, single-spaced, lower case."""
    return _SPACES.sub(" ", text).strip().lower()


def cast_ballot(*, activity: Activity, participant: Participant, choice: Any) -> dict[str, Any]:
    """Store the participant's cleaned ``choice``, replacing an earlier one if the
    activity allows changes ("already_voted" otherwise); the command's result."""
    stored = command_queries.upsert_ballot(
        activity=activity, participant=participant, choice=choice, replace=activity.allow_change
    )
    if not stored:
        raise CommandError("already_voted", _("You have already voted in this poll."))
    return {"activity": activity.pk, "ballot": choice}


def cast_ballots(
    *, activity: Activity, ballots: list[tuple[Participant, Any, str]]
) -> list[dict[str, Any] | CommandError]:
    """``cast_ballot`` for several participants (each once) with their cleaned choices
    and languages, in one statement: each one's result or refusal, in order."""
    stored = command_queries.upsert_ballots(
        activity=activity,
        ballots=[(participant, choice) for participant, choice, _language in ballots],
        replace=activity.allow_change,
    )
    outcomes: list[dict[str, Any] | CommandError] = []
    for participant, choice, language in ballots:
        if participant.pk in stored:
            outcomes.append({"activity": activity.pk, "ballot": choice})
        else:
            with translation.override(language):
                outcomes.append(
                    CommandError("already_voted", _("You have already voted in this poll."))
                )
    return outcomes


def set_entry_hidden(*, activity: Activity, entry: Any, hidden: bool) -> list[str]:
    """Hide a word-cloud entry from the results (or show it again); the hidden
    entries after the change. The activity's row is locked while its config changes,
    and ``activity.config`` is brought up to date."""
    if not isinstance(entry, str) or not normalise_word(entry):
        raise CommandError("invalid_value", _("Name the entry to hide or show."))
    word = normalise_word(entry)
    locked = Activity.objects.select_for_update().get(pk=activity.pk)
    words = set(locked.config.get("hidden", []))
    if hidden:
        words.add(word)
    else:
        words.discard(word)
    locked.config = {**locked.config, "hidden": sorted(words)}
    locked.save(update_fields=["config"])
    activity.config = locked.config
    return locked.config["hidden"]
