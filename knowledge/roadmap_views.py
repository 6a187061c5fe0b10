"""Roadmap pages: the organisers publish a consultation's version as a roadmap and pick
the cases its items cite; anyone reads the roadmaps and a process's public page. Thin:
``knowledge.roadmaps`` decides."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from consult.models import Consultation, Section
from consult.selectors import is_organiser

from . import roadmaps
from .models import Case, Roadmap, RoadmapCitation


def _errors(exc: ValidationError) -> list[str]:
    return [str(message) for message in exc.messages]


# --------------------------------------------------------------------------- organisers


@require_http_methods(["GET", "POST"])
@login_required
def publish(request: HttpRequest, process: str, slug: str) -> HttpResponse:
    """Choose a version of the consultation and publish it as the roadmap."""
    consultation = get_object_or_404(
        Consultation.objects.select_related("process"), process__slug=process, slug=slug
    )
    if not is_organiser(request.user, consultation.process):
        raise PermissionDenied(_("Only the organisers of this process can do this."))
    versions = list(consultation.versions.order_by("-number"))
    roadmap = Roadmap.objects.filter(consultation=consultation).first()
    chosen = str(roadmap.version_id if roadmap else (versions[0].pk if versions else ""))
    errors: list[str] = []
    if request.method == "POST":
        chosen = request.POST.get("version", "")
        version = next((v for v in versions if str(v.pk) == chosen), None)
        if version is None:
            errors.append(_("Choose one of the consultation's versions."))
        else:
            try:
                roadmap = roadmaps.publish_roadmap(
                    consultation=consultation, version=version, by=request.user
                )
            except ValidationError as exc:
                errors.extend(_errors(exc))
            else:
                messages.success(
                    request,
                    _("Published as a roadmap. Now cite the cases behind its items."),
                )
                return redirect("knowledge:roadmap_citations", roadmap.slug)
    return render(
        request,
        "knowledge/roadmap_publish.html",
        {
            "consultation": consultation,
            "versions": versions,
            "chosen": chosen,
            "roadmap": roadmap,
            "publishable": consultation.status in roadmaps.PUBLISHABLE,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


@require_http_methods(["GET", "POST"])
@login_required
def citations(request: HttpRequest, slug: str) -> HttpResponse:
    """Per item of the roadmap: its citations (each with a remove button) and a form to
    cite an accepted case."""
    roadmap = roadmaps.organised_roadmap(slug=slug, user=request.user)
    if roadmap is None:
        raise Http404
    failed: dict[str, str] = {}
    errors: list[str] = []
    if request.method == "POST":
        action = request.POST.get("action", "")
        failed = {
            "action": action,
            "section": request.POST.get("section", ""),
            "case": request.POST.get("case", ""),
            "note": request.POST.get("note", ""),
        }
        try:
            anchor = _change_citation(request, roadmap, action)
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            return redirect(reverse("knowledge:roadmap_citations", args=[roadmap.slug]) + anchor)
    return render(
        request,
        "knowledge/roadmap_citations.html",
        {
            "roadmap": roadmap,
            "items": roadmaps.roadmap_items(roadmap),
            "cases": list(roadmaps.citable_cases()),
            "failed": failed,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


def _number(value: str) -> int | None:
    return int(value) if value.isdigit() and len(value) < 12 else None


def _change_citation(request: HttpRequest, roadmap, action: str) -> str:
    """Cite or remove as the form says; the anchor of the item to return to."""
    if action == "cite":
        section = Section.objects.filter(
            pk=_number(request.POST.get("section", "")), consultation=roadmap.consultation_id
        ).first()
        if section is None:
            raise ValidationError(_("That item is not in the roadmap's published version."))
        case = Case.objects.filter(pk=_number(request.POST.get("case", ""))).first()
        if case is None:
            raise ValidationError(_("Choose a case to cite."))
        roadmaps.cite_case(
            roadmap=roadmap,
            section=section,
            case=case,
            note=request.POST.get("note", ""),
            by=request.user,
        )
        messages.success(request, _("Case cited."))
        return f"#item-{section.pk}"
    if action == "remove":
        citation = RoadmapCitation.objects.filter(
            pk=_number(request.POST.get("citation", "")), roadmap=roadmap
        ).first()
        if citation is None:
            raise ValidationError(_("That citation is already gone."))
        roadmaps.uncite(citation=citation, by=request.user)
        messages.success(request, _("Citation removed."))
        return f"#item-{citation.section_id}"
    raise ValidationError(_("The form was not understood."))


# --------------------------------------------------------------------------- public


@require_GET
def roadmap_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "knowledge/roadmaps.html", {"roadmaps": list(roadmaps.published_roadmaps())}
    )


@require_GET
def roadmap_page(request: HttpRequest, slug: str) -> HttpResponse:
    roadmap = roadmaps.roadmap_by_slug(slug)
    if roadmap is None:
        raise Http404
    items = roadmaps.roadmap_items(roadmap)
    return render(
        request,
        "knowledge/roadmap.html",
        {
            "roadmap": roadmap,
            "consultation": roadmap.consultation,
            "structure": roadmaps.roadmap_structure(items),
            "organiser": is_organiser(request.user, roadmap.consultation.process),
        },
    )


@require_GET
def process_page(request: HttpRequest, process: str) -> HttpResponse:
    found = roadmaps.public_process(process, user=request.user)
    if found is None:
        raise Http404
    return render(
        request,
        "knowledge/process_public.html",
        {"process": found, **roadmaps.process_page(process=found, user=request.user)},
    )
