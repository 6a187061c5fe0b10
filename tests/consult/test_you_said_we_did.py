"""The "you said, we did" page: every input with its answer, filters, exports, and
answers given only by organisers."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from consult import selectors, services
from consult.models import Disposition
from tests.consult.factories import make_consultation, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def consultation_with_inputs():
    consultation = make_consultation()
    owner = consultation.process.owner
    version = selectors.latest_version(consultation)
    vision, milestone, _action = [t.section for t in version.texts.order_by("position")]
    ana = make_member(group="civil_society")
    ben = make_member(group="finance")
    c1 = services.add_comment(section=vision, author=ana, body="=HYPERLINK(evil)")
    c2 = services.add_comment(section=milestone, author=ben, body="Add audits.")
    round_ = services.open_round(consultation=consultation, by=owner, version=version)
    answer = services.answer_section(
        round=round_, section=milestone, user=ana, verdict="disagree", reason="Too late."
    )
    services.answer_section(round=round_, section=vision, user=ben, verdict="agree")
    services.set_disposition(by=owner, comment=c2, decision="accepted", response="Added.")
    return consultation, {"c1": c1, "c2": c2, "answer": answer, "milestone": milestone}


def page_url(consultation, **params):
    url = reverse("consult:you_said_we_did", args=[consultation.process.slug, consultation.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def test_every_input_is_listed_with_its_answer(client, consultation_with_inputs):
    consultation, _ = consultation_with_inputs
    html = client.get(page_url(consultation)).content.decode()
    assert "3 inputs" in html  # the agreement without a reason is not an input to answer
    assert "Add audits." in html and "Accepted" in html and "Added." in html
    assert "Too late." in html and html.count("Not answered yet.") == 2
    assert "Save answer" not in html  # readers see no answer forms


@pytest.mark.parametrize(
    ("params", "texts"),
    [
        ({"decision": "accepted"}, ["Add audits."]),
        ({"decision": "none"}, ["=HYPERLINK(evil)", "Too late."]),
        ({"group": "civil_society"}, ["=HYPERLINK(evil)", "Too late."]),
        ({"group": "any"}, ["=HYPERLINK(evil)", "Add audits.", "Too late."]),
    ],
)
def test_filters(consultation_with_inputs, params, texts):
    consultation, _ = consultation_with_inputs
    rows = selectors.inputs(
        consultation,
        decision=params.get("decision"),
        group=None if params.get("group") in (None, "any") else params["group"],
    )
    assert sorted(r["text"] for r in rows) == sorted(texts)


def test_the_section_filter_and_a_bad_filter_on_the_page(client, consultation_with_inputs):
    consultation, made = consultation_with_inputs
    html = client.get(page_url(consultation, section=made["milestone"].pk)).content.decode()
    assert "2 inputs" in html and "HYPERLINK" not in html
    bad = client.get(page_url(consultation, decision="maybe")).content.decode()
    assert "A filter was not understood" in bad and "3 inputs" in bad


def test_csv_and_xlsx_exports_hold_every_input_safely(client, consultation_with_inputs):
    consultation, _ = consultation_with_inputs
    response = client.get(page_url(consultation, format="csv"))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 3
    assert {r["text"] for r in rows} == {"'=HYPERLINK(evil)", "Add audits.", "Too late."}
    accepted = next(r for r in rows if r["text"] == "Add audits.")
    assert (accepted["disposition"], accepted["answer"], accepted["stakeholder_group"]) == (
        "accepted",
        "Added.",
        "finance",
    )
    xlsx = client.get(page_url(consultation, format="xlsx"))
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][0] == "section" and len(values) == 4
    assert "'=HYPERLINK(evil)" in [row[5] for row in values]


def test_only_organisers_answer_and_a_bad_answer_changes_nothing(client, consultation_with_inputs):
    consultation, made = consultation_with_inputs
    args = [consultation.process.slug, consultation.slug]
    url = reverse("consult:set_disposition", args=[*args, "validation", made["answer"].pk])
    data = {"decision": "partly", "response": "Moved to 2030."}
    client.force_login(make_member())
    assert client.post(url, data).status_code == 403
    assert not Disposition.objects.filter(answer=made["answer"]).exists()
    client.force_login(consultation.process.owner)
    client.post(url, {"decision": "partly", "response": ""})
    client.post(url, {**data, "addressed_in": "999999"})
    assert not Disposition.objects.filter(answer=made["answer"]).exists()
    target = selectors.latest_version(consultation).texts.get(section=made["milestone"])
    client.post(url, {**data, "addressed_in": target.pk})
    disposition = Disposition.objects.get(answer=made["answer"])
    assert (disposition.decision, disposition.addressed_in) == ("partly", target)
    html = client.get(page_url(consultation)).content.decode()
    assert "Save answer" in html and "addressed in v1: Due diligence" in html
    bogus = reverse("consult:set_disposition", args=[*args, "poem", made["answer"].pk])
    assert client.post(bogus, data).status_code == 404


def test_changing_an_answer_starts_from_the_saved_one(client, consultation_with_inputs):
    """The answer form shows the saved decision, answer and section, so saving it again
    (say, to reword the answer) keeps where the input was addressed."""
    consultation, made = consultation_with_inputs
    args = [consultation.process.slug, consultation.slug]
    url = reverse("consult:set_disposition", args=[*args, "validation", made["answer"].pk])
    target = selectors.latest_version(consultation).texts.get(section=made["milestone"])
    client.force_login(consultation.process.owner)
    client.post(url, {"decision": "partly", "response": "Moved.", "addressed_in": target.pk})
    html = client.get(page_url(consultation)).content.decode()
    form = html[html.index(url) :]
    form = form[: form.index("</form>")]
    assert re.findall(r'<option value="(\w+)" selected>', form) == ["partly", str(target.pk)]
    assert ">Moved.</textarea>" in form
    # Submitted as shown, with a reworded answer: the section stays.
    client.post(
        url, {"decision": "partly", "response": "Moved to 2030.", "addressed_in": target.pk}
    )
    disposition = Disposition.objects.get(answer=made["answer"])
    assert (disposition.response, disposition.addressed_in) == ("Moved to 2030.", target)


def test_the_page_shows_inputs_a_hundred_at_a_time_and_links_find_theirs(client, monkeypatch):
    """Long consultations: the page is paged (the exports are not); a filter is kept from
    page to page, and a link to one input opens the page holding it."""
    from consult import views

    monkeypatch.setattr(views, "INPUTS_PER_PAGE", 2)
    consultation = make_consultation()
    section = selectors.latest_version(consultation).texts.order_by("position")[0].section
    people = [make_member() for _ in range(5)]
    comments = [
        services.add_comment(section=section, author=person, body=f"Input number {i}")
        for i, person in enumerate(people)
    ]
    url = page_url(consultation)

    def texts(html):
        return re.findall(r"Input number (\d)", html)

    first = client.get(url).content.decode()
    assert texts(first) == ["0", "1"] and "5 inputs" in first
    assert "Page 1 of 3 (inputs 1 to 2)" in first and 'rel="prev"' not in first
    assert 'href="?page=2"' in first
    last = client.get(url, {"page": 3}).content.decode()
    assert texts(last) == ["4"] and 'rel="next"' not in last
    # A page that does not exist shows the last one (or the first for nonsense).
    assert texts(client.get(url, {"page": 99}).content.decode()) == ["4"]
    assert texts(client.get(url, {"page": "x"}).content.decode()) == ["0", "1"]
    # The filter stays in the page links and the downloads; the downloads hold everything.
    filtered = client.get(url, {"decision": "none", "page": 2}).content.decode()
    assert 'href="?decision=none&amp;page=3"' in filtered
    assert 'href="?decision=none&amp;format=csv"' in filtered
    csv_rows = list(csv.reader(io.StringIO(client.get(url, {"format": "csv"}).content.decode())))
    assert len(csv_rows) == 1 + 5
    # A link to one input (mails, saving an answer) opens the page holding it.
    wanted = comments[3]
    html = client.get(url, {"input": f"comment-{wanted.pk}"}).content.decode()
    assert texts(html) == ["2", "3"] and f'id="input-comment-{wanted.pk}"' in html
    assert texts(client.get(url, {"input": "comment-999999"}).content.decode()) == ["0", "1"]
    client.force_login(consultation.process.owner)
    answer_url = reverse(
        "consult:set_disposition",
        args=[consultation.process.slug, consultation.slug, "comment", wanted.pk],
    )
    response = client.post(answer_url, {"decision": "accepted", "response": "Done."})
    assert response.url == f"{url}?input=comment-{wanted.pk}#input-comment-{wanted.pk}"
    assert "Done." in client.get(response.url).content.decode()
