"""Writes for events, sessions, activities and participants.

Every state change broadcasts from ``transaction.on_commit`` (never before the commit).
Views, consumers, admin and commands all call these functions.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from consult.models import Process
from consult.translations import (
    check_translation_language,
    column,
    current_language,
    supported,
)
from people.models import Person
from people.text import storable_text
from people.vocabularies import Gender, Sector, StakeholderGroup

from . import join_limits, participant_commands, room_events, selectors
from .kinds import Command, CommandError, get_kind
from .models import Activity, Event, Participant, Session, new_join_code
from .panels import panel_names


def broadcast_room(session_id: int) -> None:
    """The room's whole state goes to everyone in it after the caller's transaction
    commits (for kinds whose change is not an item or a tally, e.g. new settings)."""
    transaction.on_commit(partial(room_events.room_changed, session_id))


# --------------------------------------------------------------------------- events


def create_event(
    *,
    owner: AbstractBaseUser,
    title: str,
    kind: str,
    starts_on: dt.date,
    ends_on: dt.date,
    sector: str = "",
    time_zone: str = "UTC",
    process: Process | None = None,
    public: bool = False,
    location: str = "",
) -> Event:
    if kind not in Event.Kind.values:
        raise ValidationError({"kind": _("Unknown event kind.")})
    if sector not in Sector.values:
        raise ValidationError({"sector": _("Unknown sector.")})
    if time_zone not in zoneinfo.available_timezones():
        raise ValidationError({"time_zone": _("Unknown time zone.")})
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _("The event cannot end before it starts.")})
    if not storable_text(location):
        raise ValidationError({"location": _("The place could not be read.")})
    event = Event(
        owner=owner,
        title=title.strip(),
        kind=kind,
        sector=sector,
        time_zone=time_zone,
        starts_on=starts_on,
        ends_on=ends_on,
        process=process,
        public=bool(public),
        location=" ".join(location.split()),
    )
    event.full_clean()
    event.save()
    return event


def create_session(*, event: Event, title: str) -> Session:
    title = title.strip()
    if not title:
        raise ValidationError({"title": _("Give the session a title.")})
    for _attempt in range(10):
        try:
            with transaction.atomic():
                return Session.objects.create(event=event, title=title, code=new_join_code())
        except IntegrityError:  # join code taken: draw another
            continue
    raise RuntimeError("could not draw a free join code")


def set_session_status(*, session: Session, status: str) -> Session:
    if status not in Session.Status.values:
        raise CommandError("invalid_value", _("Unknown session status."))
    with transaction.atomic():
        session.status = status
        session.save(update_fields=["status"])
        broadcast_room(session.pk)
    return session


def set_session_locked(*, session: Session, locked: bool) -> Session:
    with transaction.atomic():
        session.locked = bool(locked)
        session.save(update_fields=["locked"])
        broadcast_room(session.pk)
    return session


# --------------------------------------------------------------------------- agenda


def add_activity(
    *,
    session: Session,
    kind: str,
    title: str,
    config: dict[str, Any],
    results_visibility: str | None = None,
    allow_change: bool = True,
    language: str | None = None,
) -> Activity:
    """Append an activity to the agenda. ``results_visibility`` None: the kind's default
    (polls after the facilitator reveals them; boards and Q&A live). ``language``: the
    language its texts are written in (the active interface language by default)."""
    activity_kind = get_kind(kind)
    if results_visibility is None:
        results_visibility = activity_kind.default_results_visibility
    title = title.strip()
    if not title:
        raise ValidationError({"title": _("Write the question.")})
    if results_visibility not in Activity.Visibility.values:
        raise ValidationError({"results_visibility": _("Unknown visibility.")})
    clean = activity_kind.clean_config(config)
    with transaction.atomic():
        last = session.activities.aggregate(m=Max("position"))["m"]
        activity = Activity(
            session=session,
            kind=kind,
            title=title,
            config=clean,
            position=0 if last is None else last + 1,
            results_visibility=results_visibility,
            allow_change=allow_change,
            language=supported(language) or current_language(),
        )
        activity.full_clean()
        activity.save()
        activity_kind.created(activity=activity)
        broadcast_room(session.pk)
    return activity


# The longest translation of one text (an option, a column, a statement).
MAX_TRANSLATED_TEXT = 500


def translate_activity(
    *, activity: Activity, language: str, title: str, texts: dict[str, str]
) -> Activity:
    """Store the translation of ``activity`` into ``language``: its title and, by
    original text, its kind's texts (``kind.texts``: options, columns, statements). An
    empty translation removes it (readers then see the original, marked). Any open
    room shows it at once. All or nothing: one bad text saves none."""
    check_translation_language(language, source=activity.language)
    errors: dict[str, list[str]] = {}
    title = " ".join(str(title or "").split())
    if len(title) > Activity._meta.get_field("title").max_length:
        errors.setdefault("title", []).append(_("The question is too long."))
    known = set(get_kind(activity.kind).texts(activity))
    cleaned: dict[str, str] = {}
    for original, text in texts.items():
        if original not in known:
            errors.setdefault("texts", []).append(
                _("“%(text)s” is not a text of this activity.") % {"text": original[:80]}
            )
            continue
        text = " ".join(str(text or "").split())
        if len(text) > MAX_TRANSLATED_TEXT:
            errors.setdefault("texts", []).append(
                _("Keep each translation under %(n)d characters.") % {"n": MAX_TRANSLATED_TEXT}
            )
        elif text:
            cleaned[original] = text
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Activity.objects.select_for_update().get(pk=activity.pk)
        setattr(locked, column("title", language), title)
        setattr(locked, column("texts", language), cleaned)
        locked.save(update_fields=[column("title", language), column("texts", language)])
        broadcast_room(locked.session_id)
    return locked


def delete_activity(*, activity: Activity) -> None:
    if activity.status != Activity.Status.DRAFT:
        raise CommandError("activity_started", _("Only activities not yet opened can be deleted."))
    with transaction.atomic():
        activity.delete()
        broadcast_room(activity.session_id)


def move_activity(*, activity: Activity, position: int) -> list[int]:
    """Put an activity at ``position`` (0-based) in its session's agenda; returns the order."""
    if not isinstance(position, int) or isinstance(position, bool) or position < 0:
        raise CommandError("invalid_value", _("The position must be a whole number from 0."))
    with transaction.atomic():
        Session.objects.select_for_update(of=("self",)).filter(
            pk=activity.session_id
        ).order_by().first()
        ids = list(
            Activity.objects.filter(session_id=activity.session_id)
            .order_by("position", "id")
            .values_list("id", flat=True)
        )
        ids.remove(activity.pk)
        ids.insert(min(position, len(ids)), activity.pk)
        for index, pk in enumerate(ids):
            Activity.objects.filter(pk=pk).update(position=index)
        broadcast_room(activity.session_id)
    return ids


def open_activity(*, activity: Activity) -> Activity:
    """Open an activity and make it the session's current one; the one open before closes."""
    with transaction.atomic():
        session = Session.objects.select_for_update().get(pk=activity.session_id)
        Activity.objects.filter(session=session, status=Activity.Status.OPEN).exclude(
            pk=activity.pk
        ).update(status=Activity.Status.CLOSED)
        activity.status = Activity.Status.OPEN
        activity.save(update_fields=["status"])
        session.current_activity = activity
        if session.status == Session.Status.DRAFT:
            session.status = Session.Status.OPEN
        session.save(update_fields=["current_activity", "status"])
        broadcast_room(session.pk)
    return activity


def show_activity(*, activity: Activity) -> Activity:
    """Make an activity the current one, on every screen of the room (the presenter's
    Previous and Next). One not yet opened opens; a closed one is shown closed, with its
    results as its visibility allows; an activity open before closes."""
    if activity.status == Activity.Status.DRAFT:
        return open_activity(activity=activity)
    with transaction.atomic():
        session = Session.objects.select_for_update().get(pk=activity.session_id)
        Activity.objects.filter(session=session, status=Activity.Status.OPEN).exclude(
            pk=activity.pk
        ).update(status=Activity.Status.CLOSED)
        session.current_activity = activity
        session.save(update_fields=["current_activity"])
        broadcast_room(session.pk)
    return activity


def close_activity(*, activity: Activity) -> Activity:
    with transaction.atomic():
        activity.status = Activity.Status.CLOSED
        activity.save(update_fields=["status"])
        broadcast_room(activity.session_id)
    return activity


def set_results_visibility(*, activity: Activity, visibility: str) -> Activity:
    if visibility not in Activity.Visibility.values:
        raise CommandError("invalid_value", _("Unknown visibility."))
    with transaction.atomic():
        activity.results_visibility = visibility
        activity.save(update_fields=["results_visibility"])
        broadcast_room(activity.session_id)
    return activity


def reveal_results(*, activity: Activity, revealed: bool) -> Activity:
    with transaction.atomic():
        activity.results_revealed = bool(revealed)
        activity.save(update_fields=["results_revealed"])
        broadcast_room(activity.session_id)
    return activity


def publish_item(*, activity: Activity, item: Any) -> None:
    """Tell the room, once the transaction commits, that one item of the activity
    changed; the kind's ``item_views`` says what each role sees of it."""
    transaction.on_commit(partial(room_events.item_changed, activity.session_id, activity.pk, item))


def moderate_activity(*, activity: Activity, action: str, data: Any) -> None:
    kind = get_kind(activity.kind)
    if action not in kind.facilitator_commands:
        raise CommandError("unknown_action", _("This activity has no such action."))
    with transaction.atomic():
        kind.moderate(activity=activity, action=action, data=data)
        transaction.on_commit(partial(room_events.tally_changed, activity.session_id, activity.pk))


# --------------------------------------------------------------------------- participants


# What a participant says about themselves, when joining and when correcting it.
PROFILE_FIELDS = (
    "display_name",
    "stakeholder_group",
    "country",
    "sector",
    "gender",
    "organisation",
)


def _check_profile(participant: Participant, *, new: bool) -> None:
    """A participant's profile: values from the vocabularies and the fields' own checks
    (uniqueness only for a new row); one ValidationError naming every problem."""
    errors = {}
    for name, allowed in (
        ("stakeholder_group", StakeholderGroup.values),
        ("sector", Sector.values),
        ("gender", Gender.values),
    ):
        if getattr(participant, name) not in allowed:
            errors[name] = _("Choose a value from the list.")
    try:
        participant.full_clean(exclude=["session", "user", "secret", "person"], validate_unique=new)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)


def _profile(
    *,
    display_name: str,
    stakeholder_group: str,
    country: str,
    sector: str,
    gender: str,
    organisation: str,
) -> dict[str, str]:
    """A profile as a participant gives it, joining or editing: free text trimmed."""
    return {
        "display_name": display_name.strip(),
        "stakeholder_group": stakeholder_group,
        "country": country,
        "sector": sector,
        "gender": gender,
        "organisation": organisation.strip(),
    }


def join_session(
    *,
    code: str,
    display_name: str = "",
    stakeholder_group: str = "",
    country: str = "",
    sector: str = "",
    gender: str = "",
    organisation: str = "",
    user: AbstractBaseUser | None = None,
    person: Person | None = None,
    address: str | None = None,
    check_code_tries: bool = True,
) -> Participant:
    """A new participant in the session with this join code (``person``: the directory
    record they confirmed being, when they came through a personal invitation link).

    ``address``: the joining client's (``join_limits.request_address``), for the limits
    per address (``join_limits``): the wrong codes it tried, checked before the code is
    looked up (unless ``check_code_tries`` is off: the caller checked already, or the
    code came from a personal invitation, not from the client), and the participants it
    created in this session. None (commands, the bench): no limit. Past a limit:
    ``join_limits.TooManyTries``."""
    session = join_limits.session_for_code(code=code, address=address if check_code_tries else None)
    if session is None:
        raise CommandError("unknown_code", _("No session has this code. Check it and try again."))
    refusal = selectors.join_refusal(session)
    if refusal is not None:
        raise refusal
    participant = Participant(
        session=session,
        user=user if user is not None and user.is_authenticated else None,
        person=person,
        **_profile(
            display_name=display_name,
            stakeholder_group=stakeholder_group,
            country=country,
            sector=sector,
            gender=gender,
            organisation=organisation,
        ),
    )
    _check_profile(participant, new=True)
    join_limits.count_participant(session_id=session.pk, address=address)
    participant.save()
    transaction.on_commit(partial(room_events.participants_changed, session.pk))
    return participant


def update_participant_profile(
    *,
    participant: Participant,
    display_name: str = "",
    stakeholder_group: str = "",
    country: str = "",
    sector: str = "",
    gender: str = "",
    organisation: str = "",
) -> Participant:
    """The participant's own correction of the profile they gave when joining, checked
    as ``join_session`` checks it. Refused once the session has ended (the profile is
    part of its record then); a locked session still lets its participants edit. An
    invalid value raises ``ValidationError`` and changes nothing."""
    session = Session.objects.only("status").get(pk=participant.session_id)
    if session.status == Session.Status.CLOSED:
        raise CommandError("session_closed", _("This session has ended."))
    changed = Participant(
        pk=participant.pk,
        session_id=participant.session_id,
        **_profile(
            display_name=display_name,
            stakeholder_group=stakeholder_group,
            country=country,
            sector=sector,
            gender=gender,
            organisation=organisation,
        ),
    )
    _check_profile(changed, new=False)
    for name in PROFILE_FIELDS:
        setattr(participant, name, getattr(changed, name))
    participant.save(update_fields=list(PROFILE_FIELDS))
    transaction.on_commit(partial(room_events.participants_changed, participant.session_id))
    return participant


def set_screen_panel(*, session: Session, name: str, shown: bool) -> Session:
    """Put a panel (sessions/panels.py) on the projector, or take it off."""
    if name not in panel_names():
        raise CommandError("invalid_field", _("There is no such panel."))
    with transaction.atomic():
        session = Session.objects.select_for_update().get(pk=session.pk)
        names = [n for n in session.screen_panels if n != name] + ([name] if shown else [])
        session.screen_panels = sorted(names)
        session.save(update_fields=["screen_panels"])
        transaction.on_commit(partial(room_events.participants_changed, session.pk))
    return session


def set_join_panel(*, session: Session, mode: str) -> Session:
    """How the projector shows the way in: beside the activity, small, hidden, or the
    join code full screen."""
    if mode not in Session.JoinPanel.values:
        raise CommandError("invalid_value", _("Unknown join panel mode."))
    with transaction.atomic():
        session.join_panel = mode
        session.save(update_fields=["join_panel"])
        broadcast_room(session.pk)
    return session


MAX_TIMER_SECONDS = 99 * 60


def set_timer(*, session: Session, seconds: int) -> Session:
    """Start a countdown of ``seconds`` on every screen of the room; 0 stops it."""
    if isinstance(seconds, bool) or not isinstance(seconds, int):
        raise CommandError("invalid_value", _("The timer needs a whole number of seconds."))
    if not 0 <= seconds <= MAX_TIMER_SECONDS:
        raise CommandError(
            "invalid_value",
            _("The timer runs from 1 second to %(minutes)d minutes (0 stops it).")
            % {"minutes": MAX_TIMER_SECONDS // 60},
        )
    with transaction.atomic():
        session.timer_seconds = seconds
        session.timer_ends_at = timezone.now() + dt.timedelta(seconds=seconds) if seconds else None
        session.save(update_fields=["timer_seconds", "timer_ends_at"])
        broadcast_room(session.pk)
    return session


def perform_command(
    *, participant: Participant, activity_id: int, action: str, data: Any, key: str
) -> dict[str, Any]:
    """Carry out a participant's command on an activity, exactly once per key.

    The effect and its receipt commit together before the caller acknowledges; a
    resend with the same key returns the stored answer with ``duplicate: true``.
    Refusals are raised in the current language. The live room carries out its
    commands in batches (``participant_commands.perform_commands``); this is a batch
    of one.
    """
    return participant_commands.perform_command(
        command=Command(
            participant=participant,
            activity_id=activity_id,
            action=action,
            data=data,
            key=key,
            language=translation.get_language() or settings.LANGUAGE_CODE,
        )
    )
