"""Test data for the knowledge repository, written as rows (the services that write
them are tested on their own)."""

from __future__ import annotations

import itertools

from django.contrib.auth.models import Permission

from knowledge.models import Case, CaseIssue, ImpactArea, ImpactIssue
from knowledge.vocabularies import CaseType, Maturity
from tests.factories import make_user

_counter = itertools.count(1)


def make_manager(**extra):
    """An account that may manage the repository (``knowledge.manage_knowledge``)."""
    user = make_user(**extra)
    user.user_permissions.add(Permission.objects.get(codename="manage_knowledge"))
    return user


def make_area(title: str | None = None, **extra) -> ImpactArea:
    n = next(_counter)
    return ImpactArea.objects.create(title=title or f"Impact area {n}", position=n, **extra)


def make_issue(area: ImpactArea | None = None, title: str | None = None, **extra) -> ImpactIssue:
    n = next(_counter)
    return ImpactIssue.objects.create(
        area=area or make_area(), title=title or f"Issue {n}", position=n, **extra
    )


def make_case(
    *,
    name: str | None = None,
    issues: tuple[ImpactIssue, ...] = (),
    status: str = Case.Status.ACCEPTED,
    **extra,
) -> Case:
    n = next(_counter)
    case = Case.objects.create(
        slug=extra.pop("slug", f"case-{n}"),
        name=name or f"Case {n}",
        summary=extra.pop("summary", f"What case {n} does about responsible sourcing."),
        case_type=extra.pop("case_type", CaseType.PRIVATE_VALUE_CHAIN),
        maturity=extra.pop("maturity", Maturity.ESTABLISHED),
        status=status,
        **extra,
    )
    for issue in issues:
        CaseIssue.objects.create(case=case, issue=issue)
    return case
