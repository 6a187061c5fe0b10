"""The facilitator's command table (sessions/commands.py): the same command by its one
name has the same effect from a WebSocket value and from a posted form."""

from __future__ import annotations

import pytest
from django.http import QueryDict

from sessions import commands
from sessions.kinds import CommandError
from sessions.models import Activity
from tests import factories

pytestmark = pytest.mark.django_db


def form(**fields) -> QueryDict:
    data = QueryDict(mutable=True)
    data.update(fields)
    return data


@pytest.mark.parametrize(
    ("name", "posted", "value"),
    [
        ("lock", {"value": "true"}, True),
        ("lock", {"value": "false"}, False),
        ("reveal", {"value": "true"}, True),
        ("move", {"value": "2"}, 2),
        ("move", {"value": "second"}, "second"),  # refused by the service, as over the socket
        ("set_visibility", {"value": "live"}, "live"),
        ("moderate", {"moderate": "show_entry", "value": "cobalt"},
         {"action": "show_entry", "data": "cobalt"}),
        ("show_panel", {"panel": "representation", "value": "true"},
         {"panel": "representation", "shown": True}),
    ],
)  # fmt: skip
def test_a_posted_form_reads_as_the_value_a_socket_sends(name, posted, value):
    assert commands.COMMANDS[name].form_value(form(**posted)) == value


def test_commands_refuse_unknown_names_activities_and_values():
    session = factories.make_session()
    other = factories.make_activity()  # of another session
    with pytest.raises(CommandError) as unknown:
        commands.run(session=session, name="explode", activity_id=None, value=None)
    assert unknown.value.code == "unknown_action"
    with pytest.raises(CommandError) as elsewhere:
        commands.run(session=session, name="open_activity", activity_id=other.pk, value=None)
    assert elsewhere.value.code == "unknown_activity"
    with pytest.raises(CommandError) as flag:
        commands.run(session=session, name="lock", activity_id=None, value="yes")
    assert flag.value.code == "invalid_value"
    other.refresh_from_db()
    session.refresh_from_db()
    assert (other.status, session.locked) == (Activity.Status.DRAFT, False)


def test_every_command_has_a_message_for_the_console():
    for command in commands.COMMANDS.values():
        value = {"shown": True} if command.name == "show_panel" else True
        assert str(command.done(value))
