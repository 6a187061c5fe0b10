"""The demo roadmap: an earlier, closed consultation of the demo process (the pilot
phase of the mobility roadmap) whose final version is published as a roadmap, its items
citing the demo's good-practice cases (``demo.knowledge``). Built through the services,
as an organiser would; safe to run again (an existing roadmap is left as it is)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from consult import services as consult_services
from consult.models import Consultation, Process
from knowledge import roadmaps
from knowledge.models import Case, Roadmap

SLUG = "pilot-roadmap"

SECTIONS = [
    {
        "type": "vision",
        "heading": "Vision: responsible minerals for mobility by 2050",
        "body": "Every mineral in a vehicle sold in Europe comes from a source that "
        "respects **human rights** and the **environment**, and most battery minerals "
        "are recovered and used again.",
    },
    {
        "type": "milestone",
        "horizon": 2030,
        "heading": "Due diligence down to the mine",
        "body": "Vehicle and battery makers know their smelters and refiners, publish "
        "them, and check the mines behind them against a shared standard.",
    },
    {
        "type": "milestone",
        "horizon": 2030,
        "heading": "Artisanal mining brought into formal supply chains",
        "body": "Buyers source from formalised artisanal sites that meet basic safety "
        "and child-labour rules, instead of walking away from them.",
    },
    {
        "type": "milestone",
        "horizon": 2040,
        "heading": "Recycling at scale",
        "body": "Half of the battery minerals used each year come from recycling.",
    },
    {
        "type": "milestone",
        "horizon": 2050,
        "heading": "Communities share in the benefits",
        "body": "Mining communities have agreements on consent, benefits and remedy "
        "that they helped write.",
    },
    {
        "type": "action",
        "actor": "policy",
        "heading": "Enforce due-diligence duties",
        "body": "Member states resource their authorities to check the due-diligence "
        "duties of the battery and conflict-minerals regulations.",
    },
    {
        "type": "action",
        "actor": "industry",
        "heading": "Trace minerals and audit smelters",
        "body": "Join a traceability system and an independent smelter audit "
        "programme; report with the common template.",
    },
    {
        "type": "action",
        "actor": "civil_society",
        "heading": "Monitor with affected communities",
        "body": "Monitor grievance mechanisms at mine sites together with the "
        "communities and workers concerned.",
    },
    {
        "type": "context",
        "heading": "Where this roadmap comes from",
        "body": "The pilot phase gathered stakeholders from industry, policy and civil "
        "society in three workshops and an online consultation.",
    },
]

# Item heading -> the names of the demo cases it cites (demo/knowledge_data.py).
CITATIONS = {
    "Due diligence down to the mine": [
        "Responsible copper standard",
        "Independent assurance of mine sites",
    ],
    "Artisanal mining brought into formal supply chains": [
        "Just gold from artisanal mines",
        "Formalising artisanal cobalt mining",
    ],
    "Recycling at scale": ["Battery recycling partnership"],
    "Communities share in the benefits": [
        "Community development agreements",
        "Indigenous consent protocol",
    ],
    "Enforce due-diligence duties": [
        "National enforcement of the EU conflict minerals regulation",
        "Battery regulation's due-diligence duties",
    ],
    "Trace minerals and audit smelters": [
        "Blockchain traceability of cobalt",
        "Smelter audit programme",
        "Conflict minerals reporting template",
    ],
    "Monitor with affected communities": ["Electronics workers' rights network"],
}


def load(*, by: AbstractBaseUser, process: Process) -> Roadmap:
    """The pilot consultation, closed with its outcome published, and its roadmap."""
    existing = Roadmap.objects.filter(consultation__process=process, consultation__slug=SLUG)
    if existing.exists():
        return existing.get()
    consultation = Consultation.objects.filter(process=process, slug=SLUG).first()
    if consultation is None:
        now = timezone.now()
        consultation = consult_services.create_consultation(
            process=process,
            by=by,
            title="Mobility roadmap: pilot phase",
            slug=SLUG,
            summary="The final roadmap of the pilot phase, published with the cases behind it.",
            opens_at=now - dt.timedelta(days=90),
            closes_at=now - dt.timedelta(days=60),
            language="en",
        )
    if not consultation.versions.exists():
        consult_services.publish_version(
            consultation=consultation, by=by, title="Final version", sections=SECTIONS
        )
    for status in ("open", "closed", "published"):
        flow = consult_services.STATUS_FLOW.get(consultation.status, set())
        if status in flow:
            consult_services.set_status(consultation=consultation, by=by, status=status)
    version = consultation.versions.order_by("-number").first()
    roadmap = roadmaps.publish_roadmap(consultation=consultation, version=version, by=by)
    texts = {text.heading: text.section for text in version.texts.select_related("section")}
    for heading, names in CITATIONS.items():
        for case in Case.objects.filter(name__in=names, status=Case.Status.ACCEPTED):
            roadmaps.cite_case(roadmap=roadmap, section=texts[heading], case=case, by=by)
    return roadmap
