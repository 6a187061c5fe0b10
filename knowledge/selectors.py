"""Reads of the knowledge repository that pages, the API and other parts share."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Permission
from django.db.models import Count, Prefetch, Q, QuerySet

from .models import Case, CaseIssue, CaseVersion, ImpactArea, ImpactIssue

MANAGE_PERMISSION = "knowledge.manage_knowledge"


def is_manager(user: AbstractBaseUser | AnonymousUser | None) -> bool:
    """Whether ``user`` is one of the repository's managers (may edit the vocabulary,
    review proposals and edit cases)."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.has_perm(MANAGE_PERMISSION)
    )


def managers() -> QuerySet:
    """The active people ``is_manager`` says yes to: the permission given to them or to
    one of their groups, and superusers (whom Django gives every permission)."""
    app_label, codename = MANAGE_PERMISSION.split(".")
    permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename)
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(
            Q(is_superuser=True)
            | Q(user_permissions__in=permission)
            | Q(groups__permissions__in=permission)
        )
        .distinct()
        .select_related("profile")
    )


def public_cases() -> QuerySet[Case]:
    """The cases anyone may read: the accepted ones (without the search index column,
    which no reader needs and which is the largest)."""
    return Case.objects.filter(status=Case.Status.ACCEPTED).defer("search_vector")


def managed_cases(*, status: str = "") -> QuerySet[Case]:
    """Every case for the managers' list, newest change first (one status if given)."""
    cases = (
        Case.objects.defer("search_vector")
        .select_related("proposed_by__profile")
        .annotate(mapped=Count("mappings"))
    )
    if status:
        cases = cases.filter(status=status)
    return cases.order_by("-updated_at", "-id")


def review_queue_count() -> int:
    """How many proposals wait for the managers' review."""
    return Case.objects.filter(status=Case.Status.PROPOSED).count()


def status_counts() -> dict[str, int]:
    rows = Case.objects.values_list("status").annotate(n=Count("id")).order_by()
    counts = dict.fromkeys(Case.Status.values, 0)
    counts.update(dict(rows))
    return counts


def proposed_by(user: AbstractBaseUser) -> QuerySet[Case]:
    """The cases ``user`` proposed, newest first."""
    return Case.objects.filter(proposed_by=user).order_by("-created_at", "-id")


def vocabulary() -> list[ImpactArea]:
    """Impact areas in order, each with its issues (``issues.all()``) counting the cases
    mapped to each (``cases``)."""
    issues = ImpactIssue.objects.annotate(cases=Count("mappings")).order_by("position", "id")
    return list(
        ImpactArea.objects.order_by("position", "id").prefetch_related(
            Prefetch("issues", queryset=issues)
        )
    )


def case_mappings(case: Case) -> dict[int, str]:
    """The issues a case is mapped to: issue id -> note."""
    return dict(CaseIssue.objects.filter(case=case).values_list("issue_id", "note"))


def case_versions(case: Case) -> QuerySet[CaseVersion]:
    return CaseVersion.objects.filter(case=case).select_related("changed_by").order_by("-number")
