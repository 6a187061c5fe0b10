"""The whole road from an accepted case to its expert validation on the public case
page, through the pages people use (no service called directly after the set-up): the
manager puts the case to validation, opens the consultation and a round on its Manage
page, experts answer, the round closes, its results attach to the case, and anyone reads
them on the case page."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from consult.models import Consultation, ValidationAnswer, ValidationRound
from knowledge.models import CaseEvidence
from tests.consult.factories import make_member, make_process
from tests.knowledge.factories import make_case, make_manager

pytestmark = pytest.mark.django_db


def test_a_case_goes_from_validation_with_experts_to_evidence_on_its_public_page():
    manager = make_manager(organiser=True)
    process = make_process(owner=manager)
    case = make_case(
        name="Smelter audit programme",
        summary="Smelters are audited once for every buyer.",
        good_practice="Audit reports are **published**.",
        transfer="",
    )
    office = Client()
    office.force_login(manager)

    # 1. Put to validation: a draft consultation of the case's texts.
    evidence_page = reverse("knowledge:manage_evidence", args=[case.pk])
    made = office.post(
        reverse("knowledge:manage_evidence_validate", args=[case.pk]), {"process": process.pk}
    )
    assert made.status_code == 302
    consultation = Consultation.objects.get(process=process)
    assert consultation.status == Consultation.Status.DRAFT
    args = [process.slug, consultation.slug]
    manage = reverse("consult:manage", args=args)
    assert manage in office.get(evidence_page).content.decode()

    # 2. Open it, then open a round on its only version, from the Manage page.
    page = office.get(manage).content.decode()
    assert "Open for comments" in page
    opened = office.post(reverse("consult:set_status", args=args), {"status": "open"})
    assert opened.status_code == 302
    version = consultation.versions.get()
    started = office.post(
        reverse("consult:open_round", args=args), {"version": version.pk, "title": "Experts"}
    )
    assert started.status_code == 302
    round_ = ValidationRound.objects.get(consultation=consultation)
    assert round_.is_open and round_.title == "Experts"

    # 3. Three experts answer on the first section (the short description).
    texts = list(version.texts.order_by("position"))
    assert [t.body for t in texts][:2] == [case.summary, case.good_practice]
    first = texts[0].section_id
    for verdict in ("agree", "agree", "disagree"):
        expert = Client()
        expert.force_login(make_member())
        answered = expert.post(
            reverse("consult:answer", args=[*args, first]),
            {"verdict": verdict, "reason": "" if verdict == "agree" else "Too costly."},
        )
        assert answered.status_code == 302
    assert ValidationAnswer.objects.filter(round=round_).count() == 3

    # 4. Before the round closes, its results cannot be attached.
    early = office.post(
        reverse("knowledge:manage_evidence_round", args=[case.pk]), {"round": round_.pk}
    )
    assert early.status_code == 400
    assert not CaseEvidence.objects.exists()

    # 5. Close it on the Manage page, then attach its results to the case.
    closed = office.post(reverse("consult:close_round", args=[*args, round_.pk]))
    assert closed.status_code == 302
    attached = office.post(
        reverse("knowledge:manage_evidence_round", args=[case.pk]), {"round": round_.pk}
    )
    assert attached.status_code == 302
    copy = CaseEvidence.objects.get(case=case)
    assert copy.title == "Experts" and copy.responses == 3
    assert copy.url == reverse("consult:round_results", args=[*args, round_.pk])
    row = copy.results[0]
    assert (row["value"], row["share"]) == (3, pytest.approx(66.7, abs=0.1))

    # 6. Anyone reads it on the case page, with the link back to the round's results.
    public = Client().get(reverse("knowledge:case", args=[case.slug])).content.decode()
    assert "Experts" in public and copy.url in public
    assert Client().get(copy.url).status_code == 200  # a closed round's results are public
