"""Pages of the consultation side: thin views over consult.services and selectors."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from people.services import log_export, process_scope
from people.text import storable_text

from . import exports, extensions, notifications, selectors, services
from .forms import CommentForm, InputFilterForm, ReasonForm
from .models import (
    Comment,
    Consultation,
    Disposition,
    Evidence,
    Reaction,
    Section,
    SectionText,
    ValidationAnswer,
    ValidationRound,
    Verdict,
)


def healthz(request):
    """Liveness for load balancers and test harnesses: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"ok": True})


def readable_consultation(request, process: str, slug: str) -> Consultation:
    consultation = get_object_or_404(
        Consultation.objects.select_related("process"), process__slug=process, slug=slug
    )
    if not selectors.can_read(request.user, consultation):
        if consultation.status == Consultation.Status.DRAFT:
            raise Http404(_("No such consultation."))
        raise PermissionDenied(_("Log in to read this consultation."))
    return consultation


# Listing the zones reads the tz database's directory tree (tens of milliseconds); the
# list does not change while the process runs.
KNOWN_ZONES = frozenset(zoneinfo.available_timezones())
# Inputs per page of "you said, we did" (the exports hold them all).
INPUTS_PER_PAGE = 100


def reader_zone(request, consultation: Consultation) -> str:
    """The reader's own time zone (their profile's, else their browser's:
    consult.time_zone.ReaderTimeZoneMiddleware), else the organisers'."""
    zone = getattr(request, "reader_time_zone", None) or consultation.time_zone
    return zone if zone in KNOWN_ZONES else "UTC"


def consultation_detail(request, process: str, slug: str):
    consultation = readable_consultation(request, process, slug)
    version = selectors.latest_version(consultation)
    texts = selectors.version_sections(version) if version else []
    counts = selectors.comment_counts(consultation)
    for text in texts:
        text.comment_count = counts.get(text.section_id, 0)
    return render(
        request,
        "consult/consultation.html",
        {
            "consultation": consultation,
            "version": version,
            "texts": texts,
            "accepting": selectors.is_accepting_input(consultation),
            "following": request.user.is_authenticated
            and consultation.followers.filter(user=request.user).exists(),
            "zone": reader_zone(request, consultation),
            "organiser": selectors.is_organiser(request.user, consultation.process),
        },
    )


def section_url(section: Section) -> str:
    consultation = section.consultation
    return reverse(
        "consult:section", args=[consultation.process.slug, consultation.slug, section.pk]
    )


def section_detail(request, process: str, slug: str, section_id: int, form=None, status=200):
    consultation = readable_consultation(request, process, slug)
    section = get_object_or_404(Section, pk=section_id, consultation=consultation)
    section.consultation = consultation  # read once, not again by section_page()
    page = selectors.section_page(section)
    evidence = selectors.section_evidence(section)
    if page["text"] is None:
        raise Http404(_("This section is not in the current version."))
    return render(
        request,
        "consult/section.html",
        {
            "consultation": consultation,
            "section": section,
            **page,
            "threads": selectors.section_threads(section, viewer=request.user),
            "evidence": evidence,
            "may_organise": bool(evidence)
            and selectors.is_organiser(request.user, consultation.process),
            "form": form or CommentForm(),
            "reaction_kinds": Reaction.Kind.choices,
            "may_comment": selectors.can_comment(request.user, consultation),
            "may_moderate": selectors.is_moderator(request.user, consultation.process),
            "zone": reader_zone(request, consultation),
            "tool_links": extensions.section_links(section=section, user=request.user),
        },
        status=status,
    )


@require_POST
def detach_evidence(request, process: str, slug: str, evidence_id: int):
    consultation = readable_consultation(request, process, slug)
    evidence = get_object_or_404(
        Evidence.objects.select_related("section__consultation__process"),
        pk=evidence_id,
        section__consultation=consultation,
    )
    return _carry_out(
        request,
        lambda: services.detach_evidence(evidence=evidence, by=request.user),
        done=_("The evidence is removed from this section."),
        back=f"{section_url(evidence.section)}#evidence",
    )


def _comment_for_post(request, process: str, slug: str, comment_id: int) -> Comment:
    consultation = readable_consultation(request, process, slug)
    return get_object_or_404(
        Comment.objects.select_related("section__consultation__process"),
        pk=comment_id,
        section__consultation=consultation,
    )


def _refused(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _carry_out(
    request, call: Callable[[], object], *, done: str | None, back: str
) -> HttpResponseRedirect:
    """The end of a form posted from a page: run the service ``call``; a refusal (a
    ValidationError) becomes error messages, else ``done`` (if any) a success message;
    either way back to ``back``."""
    try:
        call()
    except ValidationError as exc:
        _refused(request, exc)
    else:
        if done is not None:
            messages.success(request, done)
    return redirect(back)


def _posted(request, name: str) -> str:
    """A posted text as the services take it. PostgreSQL cannot store a NUL character
    (saving one is a 500), so it is refused here like any other bad input."""
    value = request.POST.get(name, "")
    if not storable_text(value):
        raise ValidationError({name: _("Null characters are not allowed.")})
    return value


@require_POST
def add_comment(request, process: str, slug: str, section_id: int):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    consultation = readable_consultation(request, process, slug)
    section = get_object_or_404(Section, pk=section_id, consultation=consultation)
    form = CommentForm(request.POST)
    if form.is_valid():
        parent = None
        if form.cleaned_data.get("parent"):
            parent = Comment.objects.filter(pk=form.cleaned_data["parent"]).first()
            if parent is None:
                form.add_error(None, _("The comment you replied to is gone."))
        if not form.errors:
            try:
                comment = services.add_comment(
                    section=section, author=request.user, body=form.cleaned_data["body"],
                    parent=parent,
                )  # fmt: skip
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, _("Your comment is published."))
                return redirect(notifications.section_link(comment))
    # The text stays in the form, so nothing the person wrote is lost.
    return section_detail(request, process, slug, section_id, form=form, status=400)


@require_POST
def edit_comment(request, process: str, slug: str, comment_id: int):
    comment = _comment_for_post(request, process, slug, comment_id)
    return _carry_out(
        request,
        lambda: services.edit_comment(
            comment=comment, by=request.user, body=_posted(request, "body")
        ),
        done=_("Your comment is updated."),
        back=notifications.section_link(comment),
    )


@require_POST
def delete_comment(request, process: str, slug: str, comment_id: int):
    comment = _comment_for_post(request, process, slug, comment_id)
    return _carry_out(
        request,
        lambda: services.delete_comment(comment=comment, by=request.user),
        done=_("Your comment is deleted."),
        back=notifications.section_link(comment),
    )


@require_POST
def react(request, process: str, slug: str, comment_id: int):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    comment = _comment_for_post(request, process, slug, comment_id)
    return _carry_out(
        request,
        lambda: services.toggle_reaction(
            comment=comment, user=request.user, kind=request.POST.get("kind")
        ),
        done=None,  # the comment's reactions show it
        back=notifications.section_link(comment),
    )


@require_POST
def report(request, process: str, slug: str, comment_id: int):
    comment = _comment_for_post(request, process, slug, comment_id)
    if not request.user.is_authenticated:
        # One report per person per comment: reporting needs an account.
        return redirect_to_login(notifications.section_link(comment))

    def send_report() -> None:
        form = ReasonForm(request.POST)
        if not form.is_valid():
            raise ValidationError(_("Say what is wrong with it."))
        services.report_comment(
            comment=comment, reporter=request.user, reason=form.cleaned_data["reason"]
        )

    return _carry_out(
        request,
        send_report,
        done=_("Thank you. A moderator will look at it."),
        back=notifications.section_link(comment),
    )


@require_POST
def moderate(request, process: str, slug: str, comment_id: int):
    comment = _comment_for_post(request, process, slug, comment_id)
    action = (
        services.hide_comment if request.POST.get("action") == "hide" else services.restore_comment
    )
    return _carry_out(
        request,
        lambda: action(comment=comment, by=request.user, reason=_posted(request, "reason")),
        done=_("Done. The moderation log says so."),
        back=notifications.section_link(comment),
    )


def moderation_log(request, process: str, slug: str):
    consultation = readable_consultation(request, process, slug)
    entries = consultation.moderation_log.select_related("comment__section")
    return render(
        request,
        "consult/moderation_log.html",
        {
            "consultation": consultation,
            "entries": entries,
            "zone": reader_zone(request, consultation),
        },
    )


def you_said_we_did(request, process: str, slug: str):
    """Every input with the organisers' answer, filterable, exportable as CSV and XLSX;
    organisers answer inputs here too."""
    consultation = readable_consultation(request, process, slug)
    form = InputFilterForm(consultation, request.GET or None)
    filters = form.cleaned_filters() if form.is_bound else {}
    if form.is_bound and not form.is_valid():
        messages.error(request, _("A filter was not understood; showing every input."))
    language = filters.pop("language", None)
    rows = selectors.inputs(consultation, **filters, viewer=request.user)
    form.offer_languages(selectors.input_languages(rows))  # present under the other filters
    rows = selectors.in_language(rows, language)
    fmt = request.GET.get("format")
    name = f"{consultation.slug}-you-said-we-did"
    if fmt in ("csv", "xlsx"):
        log_export(
            user=request.user,
            what=f"\u201cyou said, we did\u201d ({fmt}): {consultation.title}",
            rows=len(rows),
            scope=process_scope(consultation.process_id),
        )
    if fmt == "csv":
        response = HttpResponse(exports.as_csv(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    if fmt == "xlsx":
        response = HttpResponse(
            exports.as_xlsx(rows),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response
    organiser = selectors.is_organiser(request.user, consultation.process)
    version = selectors.latest_version(consultation)
    page = Paginator(rows, INPUTS_PER_PAGE).get_page(
        _page_of_input(rows, request.GET.get("input")) or request.GET.get("page")
    )
    query = request.GET.copy()
    for key in ("page", "input", "format"):
        query.pop(key, None)
    return render(
        request,
        "consult/you_said_we_did.html",
        {
            "consultation": consultation,
            "rows": page.object_list,
            "page": page,
            "total": len(rows),
            "form": form,
            "organiser": organiser,
            "decisions": Disposition.Decision.choices,
            "targets": selectors.version_sections(version) if organiser and version else [],
            "query": query.urlencode(),
            "zone": reader_zone(request, consultation),
        },
    )


def _page_of_input(rows: list[dict], wanted: str | None) -> int | None:
    """The page holding the input named ``comment-<id>`` or ``validation-<id>``
    (links from mails and from saving an answer), if it is among ``rows``."""
    if not wanted:
        return None
    for index, row in enumerate(rows):
        if f"{row['kind']}-{row['id']}" == wanted:
            return index // INPUTS_PER_PAGE + 1
    return None


@require_POST
def set_disposition(request, process: str, slug: str, kind: str, input_id: int):
    consultation = readable_consultation(request, process, slug)
    if kind not in ("comment", "validation"):
        raise Http404(_("No such input."))
    if kind == "comment":
        target = {
            "comment": get_object_or_404(Comment, pk=input_id, section__consultation=consultation)
        }
    else:
        target = {
            "answer": get_object_or_404(
                ValidationAnswer, pk=input_id, round__consultation=consultation
            )
        }
    addressed = request.POST.get("addressed_in") or None
    addressed_in = None
    if addressed is not None:
        addressed_in = (
            SectionText.objects.filter(pk=addressed if str(addressed).isdigit() else 0)
            .select_related("version")
            .first()
        )

    def answer_input() -> None:
        if addressed is not None and addressed_in is None:
            raise ValidationError(_("That section does not exist."))
        services.set_disposition(
            by=request.user,
            decision=request.POST.get("decision", ""),
            response=_posted(request, "response"),
            addressed_in=addressed_in,
            **target,
        )

    return _carry_out(
        request,
        answer_input,
        done=_("Answer saved."),
        back=notifications.input_link(process, slug, kind, input_id),
    )


def _open_round(consultation: Consultation):
    return consultation.rounds.filter(closed_at=None).select_related("version").first()


def validate(request, process: str, slug: str, errors=None, status=200):
    """The running validation round: one answer per section, changeable until it closes."""
    consultation = readable_consultation(request, process, slug)
    round_ = _open_round(consultation)
    mine = {}
    if round_ is not None and request.user.is_authenticated:
        mine = {a.section_id: a for a in round_.answers.filter(user=request.user)}
    texts = selectors.version_sections(round_.version) if round_ else []
    for text in texts:
        text.my_answer = mine.get(text.section_id)
        text.error = (errors or {}).get(text.section_id)
    return render(
        request,
        "consult/validate.html",
        {
            "consultation": consultation,
            "round": round_,
            "texts": texts,
            "verdicts": Verdict.choices,
            "may_answer": round_ is not None and selectors.can_comment(request.user, consultation),
        },
        status=status,
    )


@require_POST
def answer(request, process: str, slug: str, section_id: int):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    consultation = readable_consultation(request, process, slug)
    round_ = _open_round(consultation)
    section = get_object_or_404(Section, pk=section_id, consultation=consultation)
    if round_ is None:
        messages.error(request, _("No validation round is running."))
        return redirect("consult:validate", process=process, slug=slug)
    verdict, reason = request.POST.get("verdict", ""), request.POST.get("reason", "")
    try:
        services.answer_section(
            round=round_, section=section, user=request.user, verdict=verdict,
            reason=_posted(request, "reason"),
        )  # fmt: skip
    except ValidationError as exc:
        # Show the page again with what they wrote, so nothing is lost.
        error = {"message": " ".join(exc.messages), "verdict": verdict, "reason": reason}
        if not selectors.can_comment(request.user, consultation):
            messages.error(request, error["message"])  # no answer form to show it in
        return validate(request, process, slug, errors={section.pk: error}, status=400)
    messages.success(request, _("Answer saved. You can change it until the round closes."))
    back = reverse("consult:validate", args=[process, slug])
    return redirect(f"{back}#section-{section.pk}")


def round_results(request, process: str, slug: str, round_id: int):
    consultation = readable_consultation(request, process, slug)
    round_ = get_object_or_404(ValidationRound, pk=round_id, consultation=consultation)
    if not selectors.may_see_answers(request.user, round_, consultation.process):
        raise PermissionDenied(_("Results are shown when the round closes."))
    return render(
        request,
        "consult/round_results.html",
        {
            "consultation": consultation,
            "round": round_,
            "results": selectors.round_results(round_),
            "verdicts": Verdict.choices,
            "min_group": selectors.MIN_GROUP_SIZE,
            "tool_links": extensions.round_links(round_=round_, user=request.user),
        },
    )


@require_POST
def follow(request, process: str, slug: str):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    consultation = readable_consultation(request, process, slug)
    on = request.POST.get("on") == "1"
    services.follow(consultation=consultation, user=request.user, on=on)
    messages.success(
        request,
        _("You will be told when it opens and before it closes.")
        if on
        else _("You no longer follow this consultation."),
    )
    return redirect("consult:consultation", process=process, slug=slug)


@csrf_exempt  # mail clients' one-click unsubscribe POSTs carry no CSRF token
def unsubscribe(request, token: str):
    """One click from an email (POST, as mail clients send it) or a confirm page (GET)."""
    user = notifications.user_from_unsubscribe_token(token)
    if user is None:
        return render(request, "consult/unsubscribe.html", {"invalid": True}, status=400)
    if request.method == "POST":
        services.unsubscribe(user=user)
        return render(request, "consult/unsubscribe.html", {"done": True})
    return render(request, "consult/unsubscribe.html", {"token": token})
