"""The managers' pages (cases, their review, mapping, versions and translations; the
impact-area vocabulary) and the proposal pages anyone signed in uses. Thin: the forms
shape the input, the services decide."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from consult.translation_forms import Original
from consult.translation_pages import translation_page
from consult.translations import column, translated_into

from . import selectors, services
from .forms import CaseForm, MappingForm, ReviewForm, StatusFilterForm, add_service_errors
from .models import MAX_NAME, MAX_SUMMARY, MAX_TEXT, Case, ImpactArea, ImpactIssue


def _require_manager(request: HttpRequest) -> None:
    if not selectors.is_manager(request.user):
        raise PermissionDenied(_("Only the managers of the knowledge repository can do this."))


# --------------------------------------------------------------------------- cases


@require_http_methods(["GET"])
@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    filter_form = StatusFilterForm(request.GET or None)
    status = filter_form.cleaned_data["status"] if filter_form.is_valid() else ""
    return render(
        request,
        "knowledge/manage_cases.html",
        {
            "filter_form": filter_form,
            "cases": selectors.managed_cases(status=status),
            "status": status,
            "queue": selectors.review_queue_count(),
            "counts": selectors.status_counts(),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def case_new(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    form = CaseForm(request.POST if request.method == "POST" else None, with_status=True)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.create_case(by=request.user, data=form.data_for_service())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Case saved. Now map it to impact issues."))
            return redirect("knowledge:manage_case", case.pk)
    return render(
        request,
        "knowledge/manage_case_new.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


def _case_page(request, case: Case, *, form=None, mapping=None, review=None, status=200):
    areas = selectors.vocabulary()
    if form is None:
        form = CaseForm(initial=CaseForm.initial_for(case), with_status=True, with_note=True)
    if mapping is None:
        mapping = MappingForm(areas=areas, mapped=selectors.case_mappings(case))
    return render(
        request,
        "knowledge/manage_case.html",
        {
            "case": case,
            "form": form,
            "mapping": mapping,
            "review": review or ReviewForm(prefix="review"),
            "proposer": case.proposed_by,
        },
        status=status,
    )


def _save_case(request: HttpRequest, case: Case, form: CaseForm, mapping: MappingForm) -> None:
    """Save the case and its mappings (in the caller's transaction); a refusal puts its
    messages on the form it is about and is raised again."""
    try:
        services.update_case(
            case=case,
            by=request.user,
            data=form.data_for_service(),
            note=form.cleaned_data.get("note", ""),
        )
    except ValidationError as exc:
        add_service_errors(form, exc)
        raise
    try:
        services.set_mappings(case=case, by=request.user, issues=mapping.mappings())
    except ValidationError as exc:
        add_service_errors(mapping, exc)
        raise


@require_http_methods(["GET", "POST"])
@login_required
def case_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manager(request)
    case = get_object_or_404(Case.objects.select_related("proposed_by__profile"), pk=pk)
    if request.method == "GET":
        return _case_page(request, case)
    form = CaseForm(request.POST, with_status=True, with_note=True)
    mapping = MappingForm(request.POST, areas=selectors.vocabulary(), mapped={})
    if form.is_valid() and mapping.is_valid():
        try:
            with transaction.atomic():
                _save_case(request, case, form, mapping)
        except ValidationError:
            pass  # the messages are on the forms
        else:
            messages.success(request, _("Case saved."))
            return redirect("knowledge:manage_case", case.pk)
    return _case_page(request, case, form=form, mapping=mapping, status=400)


@require_POST
@login_required
def case_review(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manager(request)
    case = get_object_or_404(Case, pk=pk)
    review = ReviewForm(request.POST, prefix="review")
    if review.is_valid():
        try:
            services.review_case(
                case=case,
                by=request.user,
                decision=review.cleaned_data["decision"],
                note=review.cleaned_data["note"],
            )
        except ValidationError as exc:
            add_service_errors(review, exc)
        else:
            messages.success(request, _("Review saved; the proposer is told."))
            return redirect("knowledge:manage_case", case.pk)
    return _case_page(request, case, review=review, status=400)


@require_http_methods(["GET"])
@login_required
def case_versions(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manager(request)
    case = get_object_or_404(Case, pk=pk)
    return render(
        request,
        "knowledge/manage_versions.html",
        {"case": case, "versions": selectors.case_versions(case)},
    )


_TRANSLATED = (
    ("name", MAX_NAME, False),
    ("summary", MAX_SUMMARY, True),
    ("good_practice", MAX_TEXT, True),
    ("transfer", MAX_TEXT, True),
)


@require_http_methods(["GET", "POST"])
@login_required
def case_translate(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manager(request)
    case = get_object_or_404(Case, pk=pk)
    labels = {
        "name": _("Name"),
        "summary": _("Short description"),
        "good_practice": _("Good-practice aspects (Markdown)"),
        "transfer": _("Suggestions for transfer (Markdown)"),
    }

    def originals(language: str) -> list[Original]:
        return [
            Original(
                key=name,
                label=labels[name],
                text=getattr(case, name),
                translation=getattr(case, column(name, language)),
                max_length=limit,
                long=long,
            )
            for name, limit, long in _TRANSLATED
            if getattr(case, name)
        ]

    def save(language: str, given: dict[str, str]) -> None:
        texts = {name: getattr(case, column(name, language)) for name, _l, _g in _TRANSLATED}
        texts.update(given)
        services.translate_case(case=case, by=request.user, language=language, texts=texts)

    return translation_page(
        request,
        source=case.language,
        originals=originals,
        save=save,
        done=translated_into(case, services.TEXTS),
        what=case.name,
        page_url=reverse("knowledge:manage_translate", args=[case.pk]),
        back_url=reverse("knowledge:manage_case", args=[case.pk]),
        back_label=_("Back to the case"),
    )


# --------------------------------------------------------------------------- vocabulary

_VOCABULARY_ACTIONS = {
    "add_area", "rename_area", "move_area", "delete_area",
    "add_issue", "rename_issue", "move_issue", "delete_issue",
}  # fmt: skip


def _vocabulary_action(request: HttpRequest, action: str) -> str:
    """Do one change of the vocabulary; the message to show (ValidationError if refused)."""
    post, by = request.POST, request.user
    title = post.get("title", "")
    if action == "add_area":
        area = services.create_area(by=by, title=title)
        return _("Impact area “%(title)s” added.") % {"title": area.title}
    if action.endswith("_area"):
        area = _object(ImpactArea, post.get("area"))
        if action == "rename_area":
            services.update_area(area=area, by=by, title=title)
            return _("Impact area renamed.")
        if action == "move_area":
            services.move_area(area=area, by=by, direction=post.get("direction", ""))
            return _("Impact area moved.")
        services.delete_area(area=area, by=by)
        return _("Impact area deleted.")
    if action == "add_issue":
        issue = services.create_issue(
            by=by, area=_object(ImpactArea, post.get("area")), title=title
        )
        return _("Impact issue “%(title)s” added.") % {"title": issue.title}
    issue = _object(ImpactIssue, post.get("issue"))
    if action == "rename_issue":
        services.update_issue(issue=issue, by=by, title=title)
        return _("Impact issue renamed.")
    if action == "move_issue":
        services.move_issue(issue=issue, by=by, direction=post.get("direction", ""))
        return _("Impact issue moved.")
    services.delete_issue(issue=issue, by=by)
    return _("Impact issue deleted.")


def _object(model, raw):
    try:
        return model.objects.get(pk=int(raw))
    except (TypeError, ValueError, model.DoesNotExist):
        raise Http404(_("It no longer exists.")) from None


@require_http_methods(["GET", "POST"])
@login_required
def vocabulary(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    failed: dict | None = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in _VOCABULARY_ACTIONS:
            failed = {"action": "", "errors": [_("Choose what to change.")]}
        else:
            try:
                with transaction.atomic():
                    done = _vocabulary_action(request, action)
            except ValidationError as exc:
                failed = {
                    "action": action,
                    "area": request.POST.get("area", ""),
                    "issue": request.POST.get("issue", ""),
                    "title": request.POST.get("title", ""),
                    "errors": exc.messages,
                }
            else:
                messages.success(request, done)
                return redirect("knowledge:manage_vocabulary")
    return render(
        request,
        "knowledge/manage_vocabulary.html",
        {"areas": selectors.vocabulary(), "failed": failed},
        status=400 if failed else 200,
    )


# --------------------------------------------------------------------------- proposals


@require_http_methods(["GET", "POST"])
@login_required
def propose(request: HttpRequest) -> HttpResponse:
    form = CaseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.propose_case(by=request.user, data=form.data_for_service())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Thank you: the managers will review it."))
            return redirect("knowledge:my_cases")
    return render(
        request, "knowledge/propose.html", {"form": form}, status=400 if form.errors else 200
    )


@require_http_methods(["GET"])
@login_required
def my_cases(request: HttpRequest) -> HttpResponse:
    return render(
        request, "knowledge/propose_mine.html", {"cases": selectors.proposed_by(request.user)}
    )


@require_http_methods(["GET", "POST"])
@login_required
def my_case_edit(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_object_or_404(Case, pk=pk, proposed_by=request.user)
    if not services.can_edit_proposal(case, request.user):
        raise PermissionDenied(
            _("You can change a proposal only when the managers asked for changes.")
        )
    if request.method == "POST":
        form = CaseForm(request.POST)
        if form.is_valid():
            try:
                services.update_proposal(case=case, by=request.user, data=form.data_for_service())
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Thank you: the managers will review it again."))
                return redirect("knowledge:my_cases")
    else:
        form = CaseForm(initial=CaseForm.initial_for(case))
    return render(
        request,
        "knowledge/propose_edit.html",
        {"form": form, "case": case},
        status=400 if form.errors else 200,
    )
