"""``markdown`` (sanitised Markdown to HTML), ``get_count`` and ``comment_threads`` for
the consultation pages."""

from __future__ import annotations

from html import escape

from django import template
from django.conf import settings
from django.template.defaulttags import CsrfTokenNode
from django.urls import reverse
from django.utils import dateformat
from django.utils.formats import get_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import get_current_timezone
from django.utils.translation import gettext as _

from consult.markdown import render_markdown
from consult.models import Disposition
from consult.services import MAX_REPLY_DEPTH

register = template.Library()


@register.filter
def markdown(text: str):
    return render_markdown(text)


@register.filter
def get_count(counts: dict, key: str) -> int:
    return counts.get(key, 0)


# --------------------------------------------------------------------------- comment threads

_MARK = 987654321  # a comment id that stands in for the real one while reversing URLs once


def _comment_url(name: str, consultation) -> tuple[str, str]:
    """The URL of a comment action as (before the id, after the id), reversed once."""
    url = reverse(f"consult:{name}", args=[consultation.process.slug, consultation.slug, _MARK])
    head, _sep, tail = url.rpartition(str(_MARK))
    return escape(head), escape(tail)


@register.simple_tag(takes_context=True)
def comment_threads(context, threads) -> SafeString:
    """The section's comment forest (``selectors.section_threads``) as ``<li>`` items,
    each reply list nested in its comment.

    Built in Python rather than with an ``{% include %}`` per comment: a busy section
    has hundreds of comments with five or six forms each, and the template engine's
    per-node cost (URL reversing, CSRF and translation tags) made the page take seconds
    (docs/performance.md, "Consultation pages"). URLs are reversed once, translations
    looked up once, the CSRF field rendered once, and every value is escaped here."""
    return _ThreadRenderer(context).render(threads)


class _ThreadRenderer:
    def __init__(self, context) -> None:
        consultation = context["consultation"]
        user = context.get("user")
        self.user_pk = user.pk if user is not None and user.is_authenticated else None
        self.may_comment = bool(context.get("may_comment"))
        self.may_moderate = bool(context.get("may_moderate"))
        self.kinds = [
            (escape(str(k)), escape(str(label))) for k, label in context.get("reaction_kinds", ())
        ]
        self.disabled = "" if self.user_pk is not None else " disabled"
        self.csrf = CsrfTokenNode().render(context)
        self.urls = {
            name: _comment_url(name, consultation)
            for name in ("react", "edit_comment", "delete_comment", "report", "moderate")
        }
        self.add_url = ""
        if self.may_comment:
            self.add_url = escape(
                reverse(
                    "consult:add_comment",
                    args=[consultation.process.slug, consultation.slug, context["section"].pk],
                )
            )
        # Literal gettext calls, so that makemessages finds them.
        texts = {
            "deleted": _("This comment was deleted by its author."),
            "edited": _("edited"),
            "reply": _("Reply"),
            "your_reply": _("Your reply"),
            "edit": _("Edit"),
            "your_comment": _("Your comment"),
            "save": _("Save"),
            "delete": _("Delete"),
            "report": _("Report"),
            "what": _("What is wrong with this comment?"),
            "moderate": _("Moderate"),
            "why_hide": _("Reason for hiding (shown in the moderation log)"),
            "hide": _("Hide"),
        }
        self.t = {key: escape(text) for key, text in texts.items()}
        self.hidden = _("Hidden by a moderator: %(reason)s")
        self.on_version = _("on version %(v)s")
        self.decisions = {k: escape(str(label)) for k, label in Disposition.Decision.choices}
        # The language's DATETIME_FORMAT in the active time zone ({% timezone %}), looked
        # up once per page rather than once per comment.
        self.zone = get_current_timezone() if settings.USE_TZ else None
        self.date_format = get_format("DATETIME_FORMAT")

    def url(self, name: str, pk: int) -> str:
        head, tail = self.urls[name]
        return f"{head}{pk}{tail}"

    def render(self, threads) -> SafeString:
        out: list[str] = []
        for comment in threads:
            self.comment(comment, out)
        return mark_safe("".join(out))  # noqa: S308 - every value escaped in comment()

    def comment(self, comment, out: list[str]) -> None:
        t, pk = self.t, comment.pk
        out.append(f'<li class="comment" id="comment-{pk}">\n')
        if comment.deleted_at:
            out.append(f'  <p class="muted placeholder">{t["deleted"]}</p>\n')
        elif comment.hidden_at:
            text = self.hidden % {"reason": escape(comment.hidden_reason)}
            out.append(f'  <p class="muted placeholder">{text}</p>\n')
        else:
            self.body(comment, out)
        replies = comment.thread_replies
        if replies:
            out.append('  <ol class="thread">')
            for reply in replies:
                self.comment(reply, out)
            out.append("</ol>\n")
        out.append("</li>\n")

    def body(self, comment, out: list[str]) -> None:
        t, pk, csrf = self.t, comment.pk, self.csrf
        name = escape(comment.author_name)
        created = comment.created_at
        if self.zone is not None:
            created = created.astimezone(self.zone)
        when = escape(dateformat.format(created, self.date_format))
        version = self.on_version % {"v": escape(str(comment.version_number))}
        edited = f" · {t['edited']}" if comment.edited_at else ""
        # Screen readers read the text in the language it was written in, when known.
        lang = f' lang="{escape(comment.language)}"' if comment.language else ""
        out.append(
            f'  <p class="byline"><strong>{name}</strong>\n'
            f'    <span class="muted">· <time datetime="{created.isoformat()}">'
            f"{when}</time>\n"
            f"    · {version}{edited}</span></p>\n"
            f'  <div class="prose"{lang}>{render_markdown(comment.body)}</div>\n'
        )
        if comment.decision is not None:
            decision = self.decisions.get(comment.decision, escape(comment.decision))
            out.append(
                f'  <p class="disposition"><strong>{decision}</strong>: '
                f"{escape(comment.response)}</p>\n"
            )
        out.append('  <div class="comment-actions">\n')
        counts = comment.reaction_counts
        out.append(
            f'    <form method="post" action="{self.url("react", pk)}" class="inline">{csrf}'
        )
        mine = comment.my_reactions  # read with the thread (selectors.section_threads)
        for kind, label in self.kinds:
            # Whether the reader chose it, for logged-in readers only (reactions need an
            # account): the button is a toggle.
            pressed = ""
            if self.user_pk is not None:
                pressed = ' aria-pressed="true"' if kind in mine else ' aria-pressed="false"'
            out.append(
                f'<button type="submit" name="kind" value="{kind}" class="small"'
                f"{pressed}{self.disabled}>{label} ({counts.get(kind, 0)})</button>"
            )
        out.append("</form>\n")
        if self.may_comment and comment.depth < MAX_REPLY_DEPTH:
            out.append(
                f"    <details><summary>{t['reply']}</summary>\n"
                f'      <form method="post" action="{self.add_url}">{csrf}\n'
                f'        <label for="reply-{pk}">{t["your_reply"]}</label>\n'
                f'        <textarea id="reply-{pk}" name="body" rows="3" maxlength="5000"'
                " required></textarea>\n"
                f'        <input type="hidden" name="parent" value="{pk}">\n'
                f'        <button type="submit">{t["reply"]}</button>\n'
                "      </form>\n    </details>\n"
            )
        if self.may_comment and self.user_pk is not None and comment.author_id == self.user_pk:
            out.append(
                f"    <details><summary>{t['edit']}</summary>\n"
                f'      <form method="post" action="{self.url("edit_comment", pk)}">{csrf}\n'
                f'        <label for="edit-{pk}">{t["your_comment"]}</label>\n'
                f'        <textarea id="edit-{pk}" name="body" rows="3" maxlength="5000" required>'
                f"{escape(comment.body)}</textarea>\n"
                f'        <button type="submit">{t["save"]}</button>\n'
                "      </form>\n    </details>\n"
                f'    <form method="post" action="{self.url("delete_comment", pk)}" class="inline">'
                f'{csrf}<button type="submit" class="small danger">{t["delete"]}</button></form>\n'
            )
        if self.user_pk is not None:  # reporting needs an account, like reactions
            out.append(
                f"    <details><summary>{t['report']}</summary>\n"
                f'      <form method="post" action="{self.url("report", pk)}">{csrf}\n'
                f'        <label for="report-{pk}">{t["what"]}</label>\n'
                f'        <input type="text" id="report-{pk}" name="reason" maxlength="300" required>\n'
                f'        <button type="submit" class="small">{t["report"]}</button>\n'
                "      </form>\n    </details>\n"
            )
        if self.may_moderate:
            out.append(
                f"    <details><summary>{t['moderate']}</summary>\n"
                f'      <form method="post" action="{self.url("moderate", pk)}">{csrf}\n'
                '        <input type="hidden" name="action" value="hide">\n'
                f'        <label for="hide-{pk}">{t["why_hide"]}</label>\n'
                f'        <input type="text" id="hide-{pk}" name="reason" maxlength="300"'
                " required>\n"
                f'        <button type="submit" class="small danger">{t["hide"]}</button>\n'
                "      </form>\n    </details>\n"
            )
        out.append("  </div>\n")
