"""The balanced-results weight columns of an activity's CSV and JSON exports (after the
export's own columns, for the poll kinds), with exact weights on a small case, and the
JSON's effective sample size and design effect per weighting."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from consult.models import TargetShare
from sessions.selectors import PROFILE_COLUMNS
from tests import factories
from tests.consult.factories import make_process
from tests.evidence import act

pytestmark = pytest.mark.django_db

WEIGHTS = ["weight_equal_voice", "weight_target_mix", "weight_one_per_organisation"]
OWN = [*PROFILE_COLUMNS, "answer", "created_at", "updated_at"]


def poll_with_voters(organiser, *, process=None, kind="single_choice", choice=0):
    """Four research voters (two of ACME, typed two ways) and one policy voter."""
    event = factories.make_event(owner=organiser, process=process)
    activity = factories.make_activity(
        session=factories.make_session(event=event), kind=kind, open=True
    )
    names = {}
    profiles = [("research", "ACME")] * 2 + [("research", "")] * 2 + [("policy", "")]
    for i, (group, org) in enumerate(profiles):
        person = factories.make_participant(
            session=activity.session,
            display_name=f"Voter {i}",
            stakeholder_group=group,
            organisation=org if i else " acme",
        )
        act(activity, person, choice if kind != "word_cloud" else ["word"])
        names[person.pk] = f"Voter {i}"
    return activity, names


def export(client, fmt: str, activity):
    return client.get(reverse(f"frontend:export_{fmt}", args=[activity.session.code, activity.pk]))


# Equal voice: research 5 / (2 x 4), policy 5 / (2 x 1); the target mix of 50 / 50 the
# same; one voice per organisation: ACME's two 0.5 each, the rest 1.
EXPECTED = {
    "Voter 0": (0.625, 0.625, 0.5),
    "Voter 1": (0.625, 0.625, 0.5),
    "Voter 2": (0.625, 0.625, 1.0),
    "Voter 3": (0.625, 0.625, 1.0),
    "Voter 4": (2.5, 2.5, 1.0),
}


def with_targets():
    process = make_process()
    TargetShare.objects.bulk_create(
        TargetShare(process=process, dimension="stakeholder_group", value=v, share=Decimal(50))
        for v in ("research", "policy")
    )
    return process


def test_the_csv_adds_the_weight_columns_after_its_own(organiser_client, organiser):
    activity, _names = poll_with_voters(organiser, process=with_targets())
    text = export(organiser_client, "csv", activity).content.decode()
    assert next(csv.reader(io.StringIO(text))) == [*OWN, *WEIGHTS]
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {
        row["display_name"]: tuple(float(row[name]) for name in WEIGHTS) for row in rows
    } == EXPECTED


def test_the_json_carries_the_weights_with_their_figures(organiser_client, organiser):
    activity, names = poll_with_voters(organiser, process=with_targets(), kind="scale", choice=3)
    body = export(organiser_client, "json", activity).json()
    assert body["columns"] == [*OWN, *WEIGHTS]
    assert {
        names[r["participant"]]: tuple(r[name] for name in WEIGHTS) for r in body["responses"]
    } == EXPECTED
    figures = body["weights"]
    assert set(figures) == {"equal_voice", "target_mix", "one_voice_per_organisation"}
    # (sum w)^2 / sum w^2 = 25 / 7.8125; n sum w^2 / (sum w)^2 = 5 x 7.8125 / 25.
    for method in ("equal_voice", "target_mix"):
        assert figures[method]["effective_sample_size"] == pytest.approx(3.2)
        assert figures[method]["design_effect"] == pytest.approx(1.5625)
    assert figures["target_mix"]["trimmed"] == 0 and figures["target_mix"]["missing"] == []
    organisation = figures["one_voice_per_organisation"]
    assert organisation["effective_sample_size"] == pytest.approx(16 / 3.5)
    assert organisation["design_effect"] == pytest.approx(1.09375)


def test_without_targets_the_target_mix_column_is_empty(organiser_client, organiser):
    activity, _names = poll_with_voters(organiser)
    rows = list(csv.DictReader(io.StringIO(export(organiser_client, "csv", activity).text)))
    assert [row["weight_target_mix"] for row in rows] == [""] * 5
    assert [row["weight_equal_voice"] for row in rows] == ["0.625"] * 4 + ["2.5"]
    body = export(organiser_client, "json", activity).json()
    assert [r["weight_target_mix"] for r in body["responses"]] == [None] * 5
    assert "target_mix" not in body["weights"]


def test_other_kinds_keep_their_export_unchanged(organiser_client, organiser):
    activity, _names = poll_with_voters(organiser, kind="word_cloud")
    body = export(organiser_client, "json", activity).json()
    assert body["columns"] == OWN and "weights" not in body
    assert not set(WEIGHTS) & set(body["responses"][0])


# Vision voting: the same weights per respondent, after each kind's own columns.


def test_the_dot_vote_csv_adds_the_weight_columns(organiser_client, organiser):
    activity, _names = poll_with_voters(
        organiser, process=with_targets(), kind="dot_vote", choice={"0": 2, "2": 1}
    )
    text = export(organiser_client, "csv", activity).content.decode()
    assert next(csv.reader(io.StringIO(text))) == [*OWN, *WEIGHTS]
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {
        row["display_name"]: tuple(float(row[name]) for name in WEIGHTS) for row in rows
    } == EXPECTED


def test_the_impact_feasibility_json_weighs_every_rated_statement_row(organiser_client, organiser):
    ratings = {"0": {"impact": 4, "feasibility": 2}, "1": {"impact": 1, "feasibility": 5}}
    activity, names = poll_with_voters(
        organiser, process=with_targets(), kind="impact_feasibility", choice=ratings
    )
    body = export(organiser_client, "json", activity).json()
    own = [*PROFILE_COLUMNS, "statement", "impact", "feasibility", "created_at", "updated_at"]
    assert body["columns"] == [*own, *WEIGHTS]
    # One row per rated statement, each carrying its respondent's weights.
    assert len(body["responses"]) == 10
    for record in body["responses"]:
        assert tuple(record[name] for name in WEIGHTS) == EXPECTED[names[record["participant"]]]
    assert body["weights"]["target_mix"]["design_effect"] == pytest.approx(1.5625)


def test_the_statement_ranking_json_carries_the_weights(organiser_client, organiser):
    activity, names = poll_with_voters(organiser, kind="statement_ranking", choice=[2, 0, 1])
    body = export(organiser_client, "json", activity).json()
    assert body["columns"] == [*OWN, *WEIGHTS]
    # No process: no target-mix weights; equal voice and organisations as above.
    assert {
        names[r["participant"]]: tuple(r[name] for name in WEIGHTS) for r in body["responses"]
    } == {name: (equal, None, organisation) for name, (equal, _t, organisation) in EXPECTED.items()}
    assert set(body["weights"]) == {"equal_voice", "one_voice_per_organisation"}
    assert body["weights"]["equal_voice"]["effective_sample_size"] == pytest.approx(3.2)
