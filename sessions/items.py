"""How a command names one item of an activity (an idea board's note or cluster, a
Q&A's question): by its row id, found within that activity only, with the same typed
refusals whichever kind asks. The kinds never import each other; this is their one
copy of the rule."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from django.db.models import Model

from .command_queries import table
from .kinds import CommandError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from django.utils.functional import Promise

    from .models import Activity

# The highest id a row can have (PostgreSQL's bigint, the id of every model here).
MAX_ROW_ID = 2**63 - 1

Row = TypeVar("Row", bound=Model)


def item_id(value: Any, *, refusal: str | Promise, highest: int = MAX_ROW_ID) -> int:
    """``value`` if it can name a row: a whole number (not a bool) from 1 to ``highest``;
    else ``CommandError("invalid_value", refusal)``."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= highest:
        raise CommandError("invalid_value", str(refusal))
    return value


@dataclass(frozen=True)
class Items(Generic[Row]):
    """One kind of item and the refusals for a command naming one of them: ``invalid``
    (the id is not a row id at all, code ``invalid_value``) and ``missing`` (no such
    item in this activity, code ``missing_code``). Messages are lazy translations,
    translated when a command is refused."""

    model: type[Row]
    missing_code: str
    missing: str | Promise
    invalid: str | Promise
    # A kind may take fewer ids than a row can have (the idea board: 2**31 - 1).
    highest: int = MAX_ROW_ID

    def id_of(self, value: Any) -> int:
        """``value`` as the id of one of these items (``item_id``)."""
        return item_id(value, refusal=self.invalid, highest=self.highest)

    def find(self, activity: Activity, value: Any, *, lock: bool = False) -> Row:
        """The item of ``activity`` that ``value`` names; with ``lock``, its row locked
        for the rest of the transaction (``SELECT ... FOR UPDATE``). Raises
        ``CommandError`` (``invalid_value``, or ``missing_code``)."""
        rows = self.model._default_manager.filter(activity=activity, pk=self.id_of(value))
        if lock:
            rows = rows.select_for_update(of=("self",))
        found = rows.first()
        if found is None:
            raise self.unknown()
        return found

    def unknown(self) -> CommandError:
        """The refusal of an id that names none of these items in the activity (or one
        the sender may not see), for a caller that looked the item up itself."""
        return CommandError(self.missing_code, str(self.missing))


def item_select(
    model: type[Model], activity: Activity, item: int, *, tag: str, columns: Sequence[str | None]
) -> tuple[str, list[Any]]:
    """``Items.find`` written out for a kind's hot statement: the item ``item`` of
    ``activity`` as one SELECT for ``sessions.command_queries.union_rows``, giving
    ``tag`` (a short literal) and then each of ``columns`` (a column of ``model``, or
    None for a NULL that lines the row up with the union's other SELECTs)."""
    values = ", ".join("NULL" if name is None else f'"{name}"' for name in columns)
    return (
        f"SELECT '{tag}', {values} FROM {table(model)} "  # noqa: S608
        'WHERE "id" = %s AND "activity_id" = %s',
        [item, activity.pk],
    )
