"""The comment threads of the section page (``{% comment_threads %}``, built in Python
for speed): times in the reader's zone, every value escaped, and the forms each reader
may use, on comments, placeholders and replies at every depth."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse

from consult import selectors, services
from consult.models import Comment, ProcessRole, Profile
from tests.consult.factories import make_consultation, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def thread():
    consultation = make_consultation(time_zone="America/New_York")
    section = selectors.latest_version(consultation).texts.order_by("position")[0].section
    ana = make_member(group="civil_society")
    Profile.objects.filter(user=ana).update(display_name='<b>Ana & "Co"</b>')
    ben = make_member()
    top = services.add_comment(section=section, author=ana, body="Top <script>x</script> **b**")
    reply = services.add_comment(section=section, author=ben, body="Reply", parent=top)
    second = services.add_comment(section=section, author=ana, body="Second", parent=reply)
    deepest = services.add_comment(section=section, author=ben, body="Deepest", parent=second)
    gone = services.add_comment(section=section, author=ben, body="Gone text", parent=top)
    services.delete_comment(comment=gone, by=ben)
    moderator = make_member(role=ProcessRole.Role.MODERATOR, process=consultation.process)
    hidden = services.add_comment(section=section, author=ben, body="BUY NOW")
    services.hide_comment(comment=hidden, by=moderator, reason="<i>Spam</i>")
    services.add_comment(section=section, author=ana, body="Under a hidden one", parent=hidden)
    services.toggle_reaction(comment=top, user=ben, kind="agree")
    services.toggle_reaction(comment=top, user=moderator, kind="agree")
    services.toggle_reaction(comment=top, user=moderator, kind="insightful")
    services.set_disposition(
        by=consultation.process.owner, comment=top, decision="partly", response="<b>Yes</b> & no"
    )
    Comment.objects.filter(pk=top.pk).update(
        created_at=dt.datetime(2026, 1, 15, 12, 30, tzinfo=dt.UTC)
    )
    args = [consultation.process.slug, consultation.slug]
    return {
        "url": reverse("consult:section", args=[*args, section.pk]),
        "consultation": consultation,
        "args": args,
        "ana": ana,
        "ben": ben,
        "moderator": moderator,
        "c": {"top": top, "reply": reply, "second": second, "deepest": deepest,
              "gone": gone, "hidden": hidden},
    }  # fmt: skip


def item(html: str, comment: Comment) -> str:
    """The comment's own part of the page: its <li> up to its replies or its end."""
    start = html.index(f'<li class="comment" id="comment-{comment.pk}">')
    rest = html[start + 10 :]
    ends = [
        i for i in (rest.find('<ol class="thread">'), rest.find('<li class="comment"')) if i >= 0
    ]
    return rest[: min(ends)] if ends else rest


def page(thread, user=None) -> str:
    client = Client()
    if user is not None:
        client.force_login(user)
    response = client.get(thread["url"])
    assert response.status_code == 200
    return response.content.decode()


def test_times_show_in_the_readers_zone_or_the_organisers(thread):
    top = thread["c"]["top"]
    anonymous = item(page(thread), top)
    assert '<time datetime="2026-01-15T07:30:00-05:00">15 Jan 2026, 07:30</time>' in anonymous
    Profile.objects.filter(user=thread["ben"]).update(time_zone="Asia/Kolkata")
    ben = item(page(thread, thread["ben"]), top)
    assert '<time datetime="2026-01-15T18:00:00+05:30">15 Jan 2026, 18:00</time>' in ben


def test_every_value_written_by_people_is_escaped(thread):
    html = page(thread, thread["ana"])
    top = item(html, thread["c"]["top"])
    assert "<strong>&lt;b&gt;Ana &amp; &quot;Co&quot;&lt;/b&gt;</strong>" in top
    assert "<script>" not in html and "<strong>b</strong>" in top  # Markdown, sanitised
    assert (
        '<p class="disposition"><strong>Partly accepted</strong>: '
        "&lt;b&gt;Yes&lt;/b&gt; &amp; no</p>" in top
    )
    assert "Top &lt;script&gt;x&lt;/script&gt; **b**</textarea>" in top  # the author's edit box
    hidden = item(html, thread["c"]["hidden"])
    assert "Hidden by a moderator: &lt;i&gt;Spam&lt;/i&gt;" in hidden and "BUY NOW" not in html
    assert "This comment was deleted by its author." in item(html, thread["c"]["gone"])
    assert "Gone text" not in html


def test_an_author_without_a_display_name_or_a_profile_shows_as_their_username(thread):
    Profile.objects.filter(user=thread["ben"]).update(display_name="")
    reply = item(page(thread), thread["c"]["reply"])
    assert f"<strong>{thread['ben'].username}</strong>" in reply
    Profile.objects.filter(user=thread["ben"]).delete()
    deepest = item(page(thread), thread["c"]["deepest"])
    assert f"<strong>{thread['ben'].username}</strong>" in deepest
    assert "on version 1" in deepest


def test_reaction_counts_and_who_may_press_them(thread):
    top = item(page(thread), thread["c"]["top"])
    assert re.findall(r">(\w+) \((\d+)\)</button>", top) == [
        ("Agree", "2"), ("Disagree", "0"), ("Insightful", "1")
    ]  # fmt: skip
    assert top.count("disabled>") == 3  # anonymous readers see them, cannot press them
    # One form, the pressed button says which reaction.
    # Anonymous: the reactions, shown but disabled; no report form (reporting needs an account).
    assert top.count("<form") == 1 and top.count('name="kind"') == 3
    assert re.findall(r'<button type="submit" name="kind" value="(\w+)"', top) == [
        "agree", "disagree", "insightful"
    ]  # fmt: skip
    assert "disabled" not in item(page(thread, thread["ben"]), thread["c"]["top"])


def test_each_reader_gets_the_forms_they_may_use(thread):
    c = thread["c"]
    args = thread["args"]
    react = reverse("consult:react", args=[*args, c["top"].pk])
    anonymous = page(thread)
    assert f'action="{react}"' in anonymous and 'name="parent"' not in anonymous
    assert 'name="csrfmiddlewaretoken"' in item(anonymous, c["top"])
    assert 'id="report-' not in item(anonymous, c["top"]) and 'id="hide-' not in anonymous

    ana = page(thread, thread["ana"])
    assert f'id="edit-{c["top"].pk}"' in ana and f'id="edit-{c["second"].pk}"' in ana
    assert f'id="edit-{c["reply"].pk}"' not in ana  # not hers
    delete = reverse("consult:delete_comment", args=[*args, c["top"].pk])
    assert f'action="{delete}"' in item(ana, c["top"])
    for name in ("top", "reply", "second"):
        assert f'<input type="hidden" name="parent" value="{c[name].pk}">' in ana
    assert f'value="{c["deepest"].pk}"' not in ana  # as deep as a thread goes
    for name in ("gone", "hidden"):  # placeholders: no forms, their replies still shown
        assert "<form" not in item(ana, c[name])
    assert "Under a hidden one" in ana and 'id="hide-' not in ana

    moderator = page(thread, thread["moderator"])
    hide = reverse("consult:moderate", args=[*args, c["top"].pk])
    assert f'action="{hide}"' in moderator
    assert moderator.count('id="hide-') == 5  # every comment still shown

    services.set_status(
        consultation=thread["consultation"], by=thread["consultation"].process.owner,
        status="closed",
    )  # fmt: skip
    closed = page(thread, thread["ana"])
    assert 'name="parent"' not in closed and 'id="edit-' not in closed
    assert 'id="report-' in closed
