"""The "you said, we did" page: every input with its answer, filters, exports, and
answers given only by organisers."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from openpyxl import load_workbook

from consult import selectors, services
from consult.models import Disposition, ProcessRole
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
    services.close_round(round=round_, by=owner)  # a running round's reasons are not shown
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
    assert values[0][:3] == ["Section", "Input", "Author"] and len(values) == 4
    assert "'=HYPERLINK(evil)" in [row[5] for row in values]
    # The workbook is for people: its headings are in the reader's language (the CSV's
    # stay the names scripts read).
    spanish = client.get(page_url(consultation, format="xlsx"), headers={"accept-language": "es"})
    heading = next(load_workbook(io.BytesIO(spanish.content)).active.iter_rows(values_only=True))
    with translation.override("es"):
        assert list(heading[:2]) == [gettext("Section"), gettext("Input")]
    assert heading[0] != "Section"


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


@pytest.fixture
def running_round():
    """Three comments and two reasons of a validation round that is still running, given
    by people who wrote nothing else (their names appear only with those reasons)."""
    consultation = make_consultation()
    owner = consultation.process.owner
    version = selectors.latest_version(consultation)
    vision, milestone, _action = [t.section for t in version.texts.order_by("position")]
    for n in range(3):
        services.add_comment(section=vision, author=make_member(), body=f"Comment {n}")
    round_ = services.open_round(consultation=consultation, by=owner, version=version)
    rosa = make_member(group="civil_society", username="rosa-running")
    tomas = make_member(group="civil_society", username="tomas-running")
    answers = [
        services.answer_section(
            round=round_, section=milestone, user=rosa, verdict="disagree", reason="Reason of Rosa"
        ),
        services.answer_section(
            round=round_, section=vision, user=tomas, verdict="agree_with_changes",
            reason="Reason of Tomas",
        ),
    ]  # fmt: skip
    return consultation, round_, answers


def _downloads(client, consultation, **params) -> str:
    """The CSV and the XLSX of the page, as one text."""
    csv_text = client.get(page_url(consultation, format="csv", **params)).content.decode()
    xlsx = client.get(page_url(consultation, format="xlsx", **params)).content
    cells = [c.value for row in load_workbook(io.BytesIO(xlsx)).active.iter_rows() for c in row]
    return csv_text + "\n" + " ".join(str(c) for c in cells if c is not None)


LEFT_OUT = ("Reason of Rosa", "Reason of Tomas", "rosa-running", "tomas-running")


@pytest.mark.parametrize("who", ["anonymous", "participant", "author"])
def test_reasons_of_a_running_round_are_shown_to_no_reader_until_it_closes(
    client, monkeypatch, running_round, who
):
    """As on the round's results page: the reasons of a running round, and who gave
    them, are on neither the page nor its downloads, and the counts, pages, filters and
    links to one input agree with what is shown."""
    from consult import views

    monkeypatch.setattr(views, "INPUTS_PER_PAGE", 2)
    consultation, round_, answers = running_round
    if who != "anonymous":
        client.force_login(answers[0].user if who == "author" else make_member())
    args = [consultation.process.slug, consultation.slug]
    results = reverse("consult:round_results", args=[*args, round_.pk])
    assert client.get(results).status_code == 403  # the reference: refused while it runs
    html = client.get(page_url(consultation)).content.decode()
    assert "3 inputs" in html and "Page 1 of 2 (inputs 1 to 2)" in html
    assert 'id="input-validation' not in html
    last = client.get(page_url(consultation, page=2)).content.decode()
    linked = client.get(page_url(consultation, input=f"validation-{answers[0].pk}")).content
    grouped = client.get(page_url(consultation, group="civil_society")).content.decode()
    assert "0 inputs" in grouped and "No inputs match." in grouped
    section = client.get(page_url(consultation, section=answers[0].section_id)).content.decode()
    assert "0 inputs" in section
    downloads = _downloads(client, consultation)
    for text in (html, last, linked.decode(), grouped, section, downloads):
        for secret in LEFT_OUT:
            assert secret not in text
    assert f"input-validation-{answers[0].pk}" not in linked.decode()
    assert "Comment 0" in linked.decode()  # the link falls back to the first page
    rows = list(csv.DictReader(io.StringIO(client.get(page_url(consultation, format="csv")).text)))
    assert [r["input"] for r in rows] == ["comment"] * 3
    # Once the round closes they appear as before, to the same reader.
    services.close_round(round=round_, by=consultation.process.owner)
    html = client.get(page_url(consultation)).content.decode()
    assert "5 inputs" in html and "Page 1 of 3" in html
    everything = "".join(
        client.get(page_url(consultation, page=n)).content.decode() for n in (1, 2, 3)
    )
    downloads = _downloads(client, consultation)
    for secret in LEFT_OUT:
        assert secret in everything and secret in downloads
    grouped = client.get(page_url(consultation, group="civil_society")).content.decode()
    assert "2 inputs" in grouped and "Reason of Rosa" in grouped


@pytest.mark.parametrize("role", ["owner", ProcessRole.Role.ORGANISER, ProcessRole.Role.MODERATOR])
def test_those_who_may_see_the_running_rounds_results_see_its_reasons(client, running_round, role):
    """Organisers and moderators see a running round's results; so they see its
    reasons, on the page (to answer them) and in the downloads."""
    consultation, round_, answers = running_round
    process = consultation.process
    client.force_login(
        process.owner if role == "owner" else make_member(role=role, process=process)
    )
    args = [process.slug, consultation.slug]
    assert client.get(reverse("consult:round_results", args=[*args, round_.pk])).status_code == 200
    html = client.get(page_url(consultation)).content.decode()
    assert "5 inputs" in html
    downloads = _downloads(client, consultation)
    for secret in ("Reason of Rosa", "rosa-running", "tomas-running"):
        assert secret in html
    for secret in LEFT_OUT:
        assert secret in downloads
    linked = client.get(page_url(consultation, input=f"validation-{answers[1].pk}")).content
    assert f'id="input-validation-{answers[1].pk}"' in linked.decode()


def test_the_selector_leaves_running_rounds_out_unless_told_who_reads(running_round):
    """``selectors.inputs`` without a reader reads as the public; a reader who may see the
    round's results gets its reasons too."""
    consultation, round_, _answers = running_round
    assert [r["kind"] for r in selectors.inputs(consultation)] == ["comment"] * 3
    assert len(selectors.inputs(consultation, viewer=make_member())) == 3
    owner = consultation.process.owner
    assert len(selectors.inputs(consultation, viewer=owner)) == 5
    assert selectors.may_see_answers(owner, round_, consultation.process)
    assert not selectors.may_see_answers(make_member(), round_, consultation.process)
