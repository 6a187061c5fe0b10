"""Every accepted case as CSV and JSON (``/cases.csv``, ``/cases.json``): one row per
case in its original language, the lists (sectors, minerals, organisations, impact
issues, links ...) joined with "; " in the CSV and kept as lists in the JSON. Every CSV
cell people wrote is safe from being run as a spreadsheet formula
(``people.spreadsheets.safe_cell``)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from people import spreadsheets

from .selectors import public_cases

COLUMNS = [
    ("slug", "slug"),
    ("name", "name"),
    ("summary", "summary"),
    ("language", "language"),
    ("case_type", "type"),
    ("maturity", "maturity"),
    ("sectors", "sectors"),
    ("minerals", "minerals"),
    ("stages", "value_chain_stages"),
    ("regions", "regions"),
    ("countries", "countries"),
    ("organisations", "organisations"),
    ("issues", "impact_issues"),
    ("links", "links"),
    ("good_practice", "good_practice"),
    ("transfer", "transfer"),
    ("version", "version"),
    ("url", "url"),
]
SEPARATOR = "; "


def rows() -> list[dict[str, Any]]:
    """One dict per accepted case, lists as lists."""
    cases = (
        public_cases()
        .order_by("name", "id")
        .prefetch_related("organisations", "links", "mappings__issue")
    )
    out = []
    for case in cases:
        out.append(
            {
                "slug": case.slug,
                "name": case.name,
                "summary": case.summary,
                "language": case.language,
                "case_type": case.case_type,
                "maturity": case.maturity,
                "sectors": list(case.sectors or []),
                "minerals": list(case.minerals or []),
                "stages": list(case.stages or []),
                "regions": list(case.regions or []),
                "countries": list(case.countries or []),
                "organisations": [o.name for o in case.organisations.all()],
                "issues": [m.issue.title for m in case.mappings.all()],
                "links": [link.url for link in case.links.all()],
                "good_practice": case.good_practice,
                "transfer": case.transfer,
                "version": case.version,
                "url": reverse("knowledge:case", args=[case.slug]),
            }
        )
    return out


def _flat(row: dict[str, Any]) -> dict[str, Any]:
    return {k: SEPARATOR.join(v) if isinstance(v, list) else v for k, v in row.items()}


def as_csv() -> str:
    return spreadsheets.as_csv(COLUMNS, (_flat(row) for row in rows()))


def as_json() -> list[dict[str, Any]]:
    return [{header: row[key] for key, header in COLUMNS} for row in rows()]
