"""Writes: a process's whole target mix and its alert threshold, saved together or not
at all."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _

from consult.models import Process, RepresentationSettings
from consult.selectors import is_organiser
from consult.targets import TargetError, set_target_mix

MIN_ALERT_GAP_POINTS = 1
MAX_ALERT_GAP_POINTS = 100


class TargetsInvalid(Exception):
    """The target mix was refused; ``errors`` maps a dimension (or "alert_gap_points")
    to its message. Nothing was saved."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


KEEP = object()  # retention_days not given: left as it is
MAX_RETENTION_DAYS = 3650


@transaction.atomic
def save_targets(
    *,
    process: Process,
    by: AbstractBaseUser,
    mixes: dict[str, dict[str, Decimal | str]],
    alert_gap_points: int,
    retention_days: int | object | None = KEEP,
) -> None:
    """Replace the target mix of each dimension in ``mixes`` (an empty dict removes that
    dimension's targets) and set the alert threshold and, when given, how many days guests'
    live profiles are kept (None: kept). Every dimension is checked (its
    shares add up to 100, every value is in its list); when any is refused, nothing is
    saved and ``TargetsInvalid`` names each problem."""
    if not is_organiser(by, process):
        raise TargetError(_("Only the organisers of this process can do this."))
    errors: dict[str, str] = {}
    if (
        isinstance(alert_gap_points, bool)
        or not isinstance(alert_gap_points, int)
        or not MIN_ALERT_GAP_POINTS <= alert_gap_points <= MAX_ALERT_GAP_POINTS
    ):
        errors["alert_gap_points"] = _(
            "The alert threshold is a whole number of points from %(min)s to %(max)s."
        ) % {"min": MIN_ALERT_GAP_POINTS, "max": MAX_ALERT_GAP_POINTS}
    if (
        retention_days is not KEEP
        and retention_days is not None
        and (
            isinstance(retention_days, bool)
            or not isinstance(retention_days, int)
            or not 1 <= retention_days <= MAX_RETENTION_DAYS
        )
    ):
        errors["retention_days"] = _(
            "Keep guests' profiles for a whole number of days from 1 to %(max)s, or leave it empty."
        ) % {"max": MAX_RETENTION_DAYS}
    for dimension, shares in mixes.items():
        try:
            with transaction.atomic():
                set_target_mix(process=process, by=by, dimension=dimension, shares=shares)
        except TargetError as exc:
            errors[dimension] = str(exc)
    if errors:
        raise TargetsInvalid(errors)  # leaving the atomic block undoes what was written
    settings = {"alert_gap_points": alert_gap_points}
    if retention_days is not KEEP:
        settings["retention_days"] = retention_days
    RepresentationSettings.objects.update_or_create(process=process, defaults=settings)
