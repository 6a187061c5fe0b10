"""Who may open a facilitator's page of a session: one rule for the console's pages
(``frontend``) and the pages of the apps between it and the room (``synthesis``, the
kinds' own pages), which may not import ``frontend``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from . import selectors
from .models import Activity, Session


def facilitated_session(*, user: Any, code: str) -> Session:
    """The session ``code`` names, for one of its facilitators. PermissionDenied for
    someone who may not run events or does not run this session; Http404 for a code no
    session has."""
    if not selectors.may_run_events(user):
        raise PermissionDenied(_("Only organisers can do this."))
    session = selectors.session_by_code(code)
    if session is None:
        raise Http404(_("No session has this code."))
    if not selectors.can_facilitate(user, session):
        raise PermissionDenied(_("Only this session's facilitators can do this."))
    return session


def facilitated_activity(
    *, user: Any, code: str, activity_id: int, kinds: Iterable[str], missing: str
) -> Activity:
    """An activity of one of ``kinds`` in a session ``user`` facilitates
    (``facilitated_session``); Http404 saying ``missing`` for any other id."""
    session = facilitated_session(user=user, code=code)
    activity = (
        Activity.objects.filter(pk=activity_id, session=session, kind__in=list(kinds))
        .select_related("session")
        .first()
    )
    if activity is None:
        raise Http404(missing)
    return activity
