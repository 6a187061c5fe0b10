"""Balanced results of a validation round (synthesis/balanced_rounds.py and its page and
export, synthesis/views_rounds.py): per section, the verdicts as counted, with equal
voice, to the target mix and one voice per organisation, on small hand-computed cases;
the target-mix weights against synthesis.weights and ipfn; small groups withheld from
everyone but the organisers; who sees the page and who downloads the CSV (logged)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import numpy as np
import pytest
from django.urls import reverse

from consult import selectors, services
from consult.models import ProcessRole, Profile, TargetShare
from people.models import Affiliation, ExportLog, Organisation, Person
from synthesis.balanced_rounds import export_rows, round_balance, round_links
from synthesis.reference import reference_weights
from synthesis.weights import GENDER, GROUP, Respondent, rake_to_targets
from tests.consult.factories import make_consultation, make_member
from tests.frontend.test_views import assert_strict_page

pytestmark = pytest.mark.django_db

AGREE, CHANGES, DISAGREE = "agree", "agree_with_changes", "disagree"


def open_round(consultation):
    return services.open_round(
        consultation=consultation,
        by=consultation.process.owner,
        version=selectors.latest_version(consultation),
    )


def sections(consultation):
    texts = selectors.version_sections(selectors.latest_version(consultation))
    return [text.section for text in texts]


def member(group: str = "", *, country: str = "", organisation: str = "", gender: str = ""):
    user = make_member(group=group)
    Profile.objects.filter(user=user).update(country=country, organisation=organisation)
    if gender:
        Person.objects.create(
            name=user.username, basis="listed", listed_source="Workshop list", gender=gender,
            user=user,
        )  # fmt: skip
    return user


def answer(round_, section, user, verdict: str) -> None:
    services.answer_section(
        round=round_,
        section=section,
        user=user,
        verdict=verdict,
        reason="" if verdict == AGREE else "Because",
    )


def targets(process, dimension: str, **shares: int) -> None:
    TargetShare.objects.bulk_create(
        TargetShare(process=process, dimension=dimension, value=v, share=Decimal(s))
        for v, s in shares.items()
    )


def column(section, method: str):
    return next(c for c in section.columns if c.method == method)


@pytest.fixture
def world():
    """A round on which research (4) and policy (2) answered the first section, 3 people
    the second; the process targets research 40 %, policy 40 %, finance 20 %."""
    consultation = make_consultation()
    round_ = open_round(consultation)
    first, second = sections(consultation)[:2]
    research = [member("research") for _ in range(4)]
    policy = [member("policy") for _ in range(2)]
    for user, verdict in zip(research, (AGREE, AGREE, AGREE, DISAGREE), strict=True):
        answer(round_, first, user, verdict)
    for user, verdict in zip(policy, (CHANGES, DISAGREE), strict=True):
        answer(round_, first, user, verdict)
    for user in research[:3]:
        answer(round_, second, user, AGREE)
    targets(consultation.process, GROUP, research=40, policy=40, finance=20)
    return round_


def test_two_groups_of_unequal_size_as_counted_equal_voice_and_target_mix(world):
    balance = round_balance(round_=world, organiser=True)
    first, second, third = balance.sections
    assert balance.target_note is None
    assert (first.shown, first.respondents) == (True, 6)
    assert [c.method for c in first.columns] == ["as_counted", "equal_voice", "target_mix"]
    assert [r.label for r in first.rows] == ["Agree", "Agree with changes", "Disagree"]
    # As counted 3, 1 and 2 of 6. Equal voice: research weighs 6 / (2 x 4) = 0.75 each,
    # policy 6 / (2 x 2) = 1.5: agree 2.25 / 6, changes 1.5 / 6, disagree 2.25 / 6. The
    # target mix (finance has nobody: research and policy 50 % each) is the same.
    assert [r.values for r in first.rows] == [
        pytest.approx((50.0, 37.5, 37.5)),
        pytest.approx((100 / 6, 25.0, 25.0)),
        pytest.approx((100 / 3, 37.5, 37.5)),
    ]
    counted, equal, target = first.columns
    assert (counted.effective_sample_size, counted.design_effect) == (6.0, 1.0)
    # (sum w)^2 / sum w^2 = 36 / (4 x 0.5625 + 2 x 2.25); n sum w^2 / (sum w)^2.
    for weighted in (equal, target):
        assert weighted.effective_sample_size == pytest.approx(36 / 6.75)
        assert weighted.design_effect == pytest.approx(1.125)
        assert weighted.missing == ("Finance / investors",)
        assert not weighted.hidden
    assert target.trimmed == 0 and target.converged
    # Three answers on the second section, none on the third: nothing shown.
    assert (second.shown, second.respondents, second.columns, second.rows) == (False, 3, (), ())
    assert (third.shown, third.respondents) == (False, 0)


def test_small_groups_are_withheld_from_everyone_but_the_organisers(world):
    first = round_balance(round_=world, organiser=False).sections[0]
    counted, equal, target = first.columns
    # As counted is what the results page shows; the weighted columns would give away
    # the verdicts of policy's two people.
    assert not counted.hidden and counted.values == pytest.approx((50.0, 100 / 6, 100 / 3))
    for weighted in (equal, target):
        assert weighted.hidden and weighted.values == (None, None, None)
    assert first.withheld
    assert [r.values[1:] for r in first.rows] == [(None, None)] * 3


def test_groups_of_five_are_shown_to_everyone():
    consultation = make_consultation()
    round_ = open_round(consultation)
    first = sections(consultation)[0]
    for verdict in (AGREE,) * 5 + (DISAGREE,) * 2:
        answer(round_, first, member("research"), verdict)
    for verdict in (DISAGREE,) * 5:
        answer(round_, first, member("policy"), verdict)
    answer(round_, first, member(""), AGREE)  # not said: weight 1, withholds nothing
    section = round_balance(round_=round_, organiser=False).sections[0]
    equal = column(section, "equal_voice")
    assert not section.withheld and not equal.hidden
    # Declared 12 in 2 groups: research 12 / 14 each, policy 12 / 10; total weight 13.
    research, policy = 12 / 14, 1.2
    assert equal.values == pytest.approx(
        (100 * (5 * research + 1) / 13, 0.0, 100 * (2 * research + 5 * policy) / 13)
    )


def test_the_target_mix_weights_are_synthesis_weights_and_ipfn_s(world):
    consultation = world.consultation
    services.close_round(round=world, by=consultation.process.owner)
    round_ = open_round(consultation)  # a second round, with genders from the directory
    targets(consultation.process, GENDER, woman=50, man=50)
    first = sections(consultation)[0]
    people = [
        ("research", "woman", AGREE),
        ("research", "man", AGREE),
        ("research", "man", DISAGREE),
        ("research", "man", AGREE),
        ("research", "man", CHANGES),
        ("policy", "woman", DISAGREE),
        ("policy", "man", AGREE),
    ]
    for group, gender, verdict in people:
        answer(round_, first, member(group, gender=gender), verdict)
    rows = export_rows(round_=round_)
    respondents = [Respondent(stakeholder_group=g, gender=s) for g, s, _v in people]
    mix = {GROUP: {"research": 40, "policy": 40, "finance": 20}, GENDER: {"woman": 50, "man": 50}}
    expected = rake_to_targets(respondents=respondents, targets=mix)
    weights = np.array([row["weight_target_mix"] for row in rows])
    assert weights == pytest.approx(expected.weights, abs=1e-12)
    ipfn = reference_weights(
        respondents=respondents, targets={GROUP: {"research": 40, "policy": 40}, GENDER: mix[GENDER]},
        cap_ratio=5.0,
    )  # fmt: skip
    assert np.max(np.abs(weights - ipfn)) < 1e-6
    # The weighted mix is the target: half research, half women.
    assert weights[:5].sum() == pytest.approx(weights[5:].sum())
    assert weights[[0, 5]].sum() == pytest.approx(weights[[1, 2, 3, 4, 6]].sum())
    section = round_balance(round_=round_, organiser=True).sections[0]
    target = column(section, "target_mix")
    assert target.effective_sample_size == pytest.approx(expected.effective_sample_size)
    assert target.design_effect == pytest.approx(expected.design_effect)
    agree = sum(w for w, (_g, _s, v) in zip(weights, people, strict=True) if v == AGREE)
    assert target.values[0] == pytest.approx(100 * agree / weights.sum())


def test_a_process_without_targets_says_so_and_has_no_target_column():
    consultation = make_consultation()
    round_ = open_round(consultation)
    first = sections(consultation)[0]
    for _ in range(5):
        answer(round_, first, member("research"), AGREE)
    balance = round_balance(round_=round_, organiser=True)
    assert "no target mix" in balance.target_note
    assert [c.method for c in balance.sections[0].columns] == ["as_counted", "equal_voice"]


def test_one_voice_per_organisation_from_the_profile_or_the_one_directory_organisation():
    consultation = make_consultation()
    round_ = open_round(consultation)
    first = sections(consultation)[0]
    acme = Organisation.objects.create(name="ACME")
    beta = Organisation.objects.create(name="Beta")
    answer(round_, first, member("research", organisation="ACME"), AGREE)
    answer(round_, first, member("research", organisation=" acme "), AGREE)
    linked = member("research", gender="woman")  # ACME through the directory only
    Affiliation.objects.create(person=linked.directory_person, organisation=acme)
    answer(round_, first, linked, AGREE)
    both = member("research", gender="man")  # two organisations: none is theirs
    Affiliation.objects.create(person=both.directory_person, organisation=acme)
    Affiliation.objects.create(person=both.directory_person, organisation=beta)
    answer(round_, first, both, DISAGREE)
    answer(round_, first, member("research"), DISAGREE)
    section = round_balance(round_=round_, organiser=True).sections[0]
    organisation = column(section, "one_voice_per_organisation")
    # ACME's three weigh 1 / 3 each, the other two 1: agree 1 of 3, disagree 2 of 3.
    assert organisation.values == pytest.approx((100 / 3, 0.0, 200 / 3))
    assert organisation.effective_sample_size == pytest.approx(9 / (3 / 9 + 2))
    assert [row["weight_one_per_organisation"] for row in export_rows(round_=round_)] == (
        pytest.approx([1 / 3, 1 / 3, 1 / 3, 1.0, 1.0])
    )
    # An organisation of three is a small group: withheld from non-organisers.
    shown = round_balance(round_=round_, organiser=False).sections[0]
    assert column(shown, "one_voice_per_organisation").hidden
    assert not column(shown, "equal_voice").hidden  # one declared group: weights all 1


def test_the_export_rows_carry_the_profile_and_the_weights_not_names_or_reasons(world):
    Profile.objects.filter(user__validation_answers__round=world).update(country="KE")
    rows = export_rows(round_=world)
    assert len(rows) == 9
    assert set(rows[0]) == {
        "section", "verdict", "stakeholder_group", "region", "gender",
        "weight_equal_voice", "weight_target_mix", "weight_one_per_organisation",
    }  # fmt: skip
    first = [row for row in rows if row["section"] == "Vision 2050"]
    assert [(r["stakeholder_group"], r["verdict"]) for r in first] == [
        ("research", AGREE), ("research", AGREE), ("research", AGREE), ("research", DISAGREE),
        ("policy", CHANGES), ("policy", DISAGREE),
    ]  # fmt: skip
    assert {r["region"] for r in rows} == {"sub_saharan_africa"}
    assert [r["weight_equal_voice"] for r in first] == pytest.approx([0.75] * 4 + [1.5] * 2)
    assert [r["weight_one_per_organisation"] for r in first] == [1.0] * 6
    # The second section has only research: equal voice and target mix weigh 1.
    second = [row for row in rows if row["section"] != "Vision 2050"]
    assert [r["weight_target_mix"] for r in second] == pytest.approx([1.0] * 3)


# --------------------------------------------------------------------------- the pages


def url(round_, name: str = "synthesis:round_balanced") -> str:
    consultation = round_.consultation
    return reverse(name, args=[consultation.process.slug, consultation.slug, round_.pk])


def roles(round_):
    process = round_.consultation.process
    return {
        "organiser": process.owner,
        "moderator": make_member(role=ProcessRole.Role.MODERATOR, process=process),
        "participant": make_member(group="policy"),
    }


def test_organisers_see_every_column_and_moderators_see_small_groups_withheld(client, world):
    people = roles(world)
    client.force_login(people["organiser"])
    html = assert_strict_page(client.get(url(world)))
    assert '<th scope="col">As counted</th><th scope="col">Equal voice</th>' in html
    assert '<tr><th scope="row">Agree</th><td>50.0 %</td><td>37.5 %</td><td>37.5 %</td>' in html
    assert "Finance / investors" in html
    assert "at least 5 people have answered this section" in html
    assert url(world, "synthesis:round_balanced_export") in html
    client.force_login(people["moderator"])
    html = assert_strict_page(client.get(url(world)))
    assert '<tr><th scope="row">Agree</th><td>50.0 %</td><td>\u2013</td><td>\u2013</td>' in html
    assert "single out a group of fewer than 5 people" in html
    assert url(world, "synthesis:round_balanced_export") not in html


def test_while_the_round_runs_only_moderators_and_organisers_see_the_page(client, world):
    people = roles(world)
    assert client.get(url(world)).status_code == 403  # anonymous, public consultation
    client.force_login(people["participant"])
    response = client.get(url(world))
    assert response.status_code == 403
    assert "Results are shown when the round closes." in response.content.decode()
    services.close_round(round=world, by=world.consultation.process.owner)
    assert client.get(url(world)).status_code == 200
    client.logout()
    assert client.get(url(world)).status_code == 200


def test_wrong_ids_drafts_and_bad_methods_are_refused(client, world):
    owner = world.consultation.process.owner
    client.force_login(owner)
    other = open_round(make_consultation())
    consultation = world.consultation
    wrong = reverse(
        "synthesis:round_balanced", args=[consultation.process.slug, consultation.slug, other.pk]
    )
    assert client.get(wrong).status_code == 404
    assert client.get(wrong + ".csv").status_code == 404
    assert client.post(url(world)).status_code == 405
    assert client.post(url(world, "synthesis:round_balanced_export")).status_code == 405
    draft = make_consultation(status="draft")
    args = [draft.process.slug, draft.slug, world.pk]
    client.force_login(make_member())
    assert client.get(reverse("synthesis:round_balanced", args=args)).status_code == 404
    assert ExportLog.objects.count() == 0


def test_only_organisers_download_the_answers_and_the_download_is_logged(client, world):
    people = roles(world)
    export = url(world, "synthesis:round_balanced_export")
    response = client.get(export)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    for role in ("participant", "moderator"):
        client.force_login(people[role])
        response = client.get(export)
        assert response.status_code == 403
        assert "Only the organisers of this process can do this." in response.content.decode()
    assert ExportLog.objects.count() == 0
    client.force_login(people["organiser"])
    response = client.get(export)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(response.content.decode())))
    assert table[0] == [
        "section", "verdict", "stakeholder_group", "region", "gender",
        "weight_equal_voice", "weight_target_mix", "weight_one_per_organisation",
    ]  # fmt: skip
    assert len(table) == 10
    assert table[1][:3] == ["Vision 2050", "agree", "research"]
    assert float(table[1][5]) == pytest.approx(0.75)
    assert "Because" not in response.content.decode()
    log = ExportLog.objects.get()
    assert (log.user, log.rows) == (people["organiser"], 9)
    assert log.scope == f"process:{world.consultation.process_id}"
    assert world.title in log.what


def test_the_round_results_page_links_to_the_page_and_the_export(client, world):
    people = roles(world)
    assert [label for label, _href in round_links(round_=world, user=people["participant"])] == []
    assert [label for label, _href in round_links(round_=world, user=people["moderator"])] == [
        "Balanced results"
    ]
    consultation = world.consultation
    results = reverse(
        "consult:round_results", args=[consultation.process.slug, consultation.slug, world.pk]
    )
    client.force_login(people["organiser"])
    html = client.get(results).content.decode()
    assert f'href="{url(world)}"' in html
    assert f'href="{url(world, "synthesis:round_balanced_export")}"' in html
