"""Load the demo's knowledge repository (``knowledge_data``) through the repository's
services: the impact-area vocabulary, twenty accepted cases mapped to it and a few
actions of the action catalogue. Safe to run again: what exists (by title, name or text)
is left as it is."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser

from knowledge import actions, services
from knowledge.models import Case, CaseAction, ImpactArea, ImpactIssue

from .knowledge_data import ACTIONS, CASES, VOCABULARY


def load(*, by: AbstractBaseUser) -> int:
    """The vocabulary and the cases; returns how many cases were added."""
    issues: list[list[ImpactIssue]] = []
    for area_title, issue_titles in VOCABULARY:
        area = ImpactArea.objects.filter(title=area_title).first() or services.create_area(
            by=by, title=area_title
        )
        row = []
        for title in issue_titles:
            issue = area.issues.filter(title=title).first() or services.create_issue(
                by=by, area=area, title=title
            )
            row.append(issue)
        issues.append(row)
    added = 0
    for entry in CASES:
        if Case.objects.filter(name=entry["name"]).exists():
            continue
        data = {key: value for key, value in entry.items() if key != "issues"}
        case = services.create_case(by=by, data=data)
        services.set_mappings(
            case=case, by=by, issues={issues[a][i].pk: "" for a, i in entry["issues"]}
        )
        added += 1
    for text, actor, horizon, case_name, place in ACTIONS:
        if CaseAction.objects.filter(text=text).exists():
            continue
        actions.create_action(
            by=by,
            text=text,
            actor=actor,
            horizon=horizon,
            case=Case.objects.get(name=case_name) if case_name else None,
            issue=issues[place[0]][place[1]] if place else None,
            language="en",
        )
    return added
