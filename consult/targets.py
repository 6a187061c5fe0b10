"""A process's target mix: the shares per stakeholder group (and optionally per region
and per gender) its organisers aim for. Read by invitations (an audience's composition
against the target) and by the representation pages."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from people.vocabularies import Gender, Region, StakeholderGroup

from .models import Process, RepresentationSettings, TargetShare
from .selectors import is_organiser

DIMENSION_VALUES = {
    TargetShare.Dimension.GROUP: StakeholderGroup,
    TargetShare.Dimension.REGION: Region,
    TargetShare.Dimension.GENDER: Gender,
}
DEFAULT_ALERT_GAP_POINTS = 10
TOLERANCE = Decimal("0.05")  # rounding of shares typed as thirds: 33.33 x 3 = 99.99


class TargetError(Exception):
    """A target mix refused, with a message for the organiser."""


def target_mix(process: Process) -> dict[str, dict[str, Decimal]]:
    """{dimension: {value: share in %}} for the dimensions the process has targets for."""
    mix: dict[str, dict[str, Decimal]] = {}
    for share in TargetShare.objects.filter(process=process):
        mix.setdefault(share.dimension, {})[share.value] = share.share
    return mix


def equal_shares(values: list[str]) -> dict[str, Decimal]:
    """Equal shares among the chosen values, the rounding left on the first."""
    if not values:
        return {}
    each = (Decimal(100) / len(values)).quantize(Decimal("0.01"))
    shares = dict.fromkeys(values, each)
    shares[values[0]] += Decimal(100) - each * len(values)
    return shares


def _clean(dimension: str, shares: dict[str, object]) -> dict[str, Decimal]:
    if dimension not in DIMENSION_VALUES:
        raise TargetError(_("Unknown dimension: %(d)s.") % {"d": dimension})
    allowed = {v for v in DIMENSION_VALUES[dimension].values if v}
    cleaned: dict[str, Decimal] = {}
    for value, raw in shares.items():
        if value not in allowed:
            raise TargetError(_("%(v)s is not a value of this list.") % {"v": value})
        try:
            share = Decimal(str(raw).strip().replace(",", ".") or "0")
        except InvalidOperation as exc:
            raise TargetError(_("%(raw)s is not a number.") % {"raw": raw}) from exc
        if not share.is_finite() or share < 0 or share > 100:
            raise TargetError(_("A share must be between 0 and 100 %."))
        # Rounded before the zero test: 0.001 would otherwise be kept as a share of 0.00.
        share = share.quantize(Decimal("0.01"))
        if share:
            cleaned[value] = share
    if cleaned and abs(sum(cleaned.values()) - 100) > TOLERANCE:
        raise TargetError(
            _("The shares add up to %(total)s %%, not 100 %%.")
            % {"total": number_format(sum(cleaned.values()), decimal_pos=2)}
        )
    return cleaned


@transaction.atomic
def set_target_mix(
    *, process: Process, by: AbstractBaseUser, dimension: str, shares: dict[str, object]
) -> dict[str, Decimal]:
    """Replace one dimension of the process's target mix (empty shares remove it)."""
    if not is_organiser(by, process):
        raise TargetError(_("Only the organisers of this process can do this."))
    cleaned = _clean(dimension, shares)
    TargetShare.objects.filter(process=process, dimension=dimension).delete()
    TargetShare.objects.bulk_create(
        TargetShare(process=process, dimension=dimension, value=v, share=s)
        for v, s in cleaned.items()
    )
    return cleaned


def alert_gap_points(process: Process) -> int:
    settings = RepresentationSettings.objects.filter(process=process).first()
    return settings.alert_gap_points if settings else DEFAULT_ALERT_GAP_POINTS


def retention_days_of(process: Process) -> int | None:
    """Days guests' live profiles are kept after their event ends (None: kept)."""
    settings = RepresentationSettings.objects.filter(process=process).first()
    return settings.retention_days if settings else None
