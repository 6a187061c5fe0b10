"""Test data built through the same services the product uses."""

from __future__ import annotations

import datetime as dt
import functools
import itertools
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission, User

from sessions import selectors, services
from sessions.models import Activity, Event, Participant, Session

_counter = itertools.count(1)

DEFAULT_CONFIGS: dict[str, dict[str, Any]] = {
    "single_choice": {"options": ["Yes", "No", "Not sure"]},
    "multiple_choice": {"options": ["Cobalt", "Lithium", "Tin", "Gold"], "max_choices": 2},
    "scale": {"min": 1, "max": 5, "min_label": "Not at all", "max_label": "Fully"},
    "word_cloud": {"max_entries": 3, "max_length": 30},
    "ranking": {"options": ["Traceability", "Living wages", "Recycling"]},
    "dot_vote": {
        "statements": "Zero-waste mines\nmilestone 2030: Half of batteries recycled\n"
        "action industry: Publish supply chain audits",
        "dots": 5,
        "max_per_statement": 3,
    },
    "impact_feasibility": {
        "statements": "Zero-waste mines\nmilestone 2030: Half of batteries recycled\n"
        "action industry: Publish supply chain audits"
    },
    "statement_ranking": {
        "statements": "Zero-waste mines\nmilestone 2030: Half of batteries recycled\n"
        "action industry: Publish supply chain audits"
    },
    "consensus": {
        "statements": "Mining contracts should be published in full\n"
        "Artisanal miners need formal land titles\nRecycled content should count in audits"
    },
}


@functools.cache
def password_hash(password: str) -> str:
    """The stored form of ``password``, hashed once per test process: every user made
    with it shares the hash (and its salt). The real hasher still checks it at log-in, in
    the test and in the servers it starts; only the quarter second of hashing per user
    is saved."""
    return make_password(password)


def make_user(*, organiser: bool = False, password: str | None = "pass-word-123", **extra) -> User:
    n = next(_counter)
    user = User.objects.create_user(
        username=extra.pop("username", f"user{n}"),
        email=f"user{n}@example.org",
        password=None,
        **extra,
    )
    if password is not None:
        user.password = password_hash(password)
        user.save(update_fields=["password"])
    # Accounts made by the product have a verified address (allauth checks at log-in).
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    if organiser:
        user.user_permissions.add(
            Permission.objects.get(codename="organise", content_type__app_label="live")
        )
        user = User.objects.get(pk=user.pk)  # drop the permission cache
    return user


def make_event(*, owner: User | None = None, **extra) -> Event:
    return services.create_event(
        owner=owner or make_user(organiser=True),
        title=extra.pop("title", f"Roadmap workshop {next(_counter)}"),
        kind=extra.pop("kind", Event.Kind.ROADMAP_WORKSHOP),
        starts_on=extra.pop("starts_on", dt.date(2026, 12, 1)),
        ends_on=extra.pop("ends_on", dt.date(2026, 12, 2)),
        **extra,
    )


def make_session(*, event: Event | None = None, **extra) -> Session:
    return services.create_session(event=event or make_event(), title=extra.pop("title", "Plenary"))


def make_activity(
    *, session: Session | None = None, kind: str = "single_choice", open: bool = False, **extra
) -> Activity:
    activity = services.add_activity(
        session=session or make_session(),
        kind=kind,
        title=extra.pop("title", f"Question {next(_counter)}"),
        config=extra.pop("config", DEFAULT_CONFIGS[kind]),
        **extra,
    )
    if open:
        services.open_activity(activity=activity)
        activity.refresh_from_db()
    return activity


def make_participant(*, session: Session, **extra) -> Participant:
    return services.join_session(code=session.code, **extra)


def act(activity: Activity, participant: Participant, action: str, data: Any) -> dict[str, Any]:
    """A participant's command on ``activity``, with a key of its own."""
    return services.perform_command(
        participant=participant,
        activity_id=activity.pk,
        action=action,
        data=data,
        key=f"act-{next(_counter)}",
    )


def token_for(participant: Participant) -> str:
    return selectors.participant_token(participant)


def login_cookie(user: User) -> str:
    """A Django session key for ``user``, as the ``sessionid`` cookie of a logged-in browser."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return store.session_key
