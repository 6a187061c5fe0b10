"""Translations the demo gives of its organisers' texts: some activities and the first
sections of the consultation in Spanish and French, the rest left in English so the
marker on untranslated texts shows too."""

from __future__ import annotations

from consult import services as consult_services
from consult.models import Consultation
from consult.selectors import latest_version
from sessions import services as session_services
from sessions.models import Session

# By the demo activity's English title: language -> (title, {original text: translation}).
ACTIVITIES: dict[str, dict[str, tuple[str, dict[str, str]]]] = {
    "Which raw-material group should the mobility roadmap address first?": {
        "es": (
            "¿Qué grupo de materias primas debería abordar primero la hoja de ruta de movilidad?",
            {
                "Battery minerals (lithium, cobalt, nickel, graphite)": (
                    "Minerales para baterías (litio, cobalto, níquel, grafito)"
                ),
                "Traditional metals (iron, aluminium, copper)": (
                    "Metales tradicionales (hierro, aluminio, cobre)"
                ),
                "Conflict-affected minerals (tin, tantalum, tungsten, gold)": (
                    "Minerales de zonas de conflicto (estaño, tantalio, tungsteno, oro)"
                ),
                "Rare earth elements for motors": "Tierras raras para motores",
            },
        ),
        "fr": (
            "Quel groupe de matières premières la feuille de route mobilité doit-elle "
            "traiter en premier ?",
            {
                "Battery minerals (lithium, cobalt, nickel, graphite)": (
                    "Minéraux pour batteries (lithium, cobalt, nickel, graphite)"
                ),
                "Traditional metals (iron, aluminium, copper)": (
                    "Métaux traditionnels (fer, aluminium, cuivre)"
                ),
                "Conflict-affected minerals (tin, tantalum, tungsten, gold)": (
                    "Minerais de conflit (étain, tantale, tungstène, or)"
                ),
                "Rare earth elements for motors": "Terres rares pour moteurs",
            },
        ),
    },
    "How well do today's standards protect people living near mines?": {
        "es": (
            "¿En qué medida protegen las normas actuales a quienes viven cerca de las minas?",
            {"Not at all": "Nada", "Fully": "Plenamente"},
        ),
    },
    "What stands in the way of responsible sourcing, and what would help?": {
        "es": (
            "¿Qué obstaculiza el abastecimiento responsable y qué ayudaría?",
            {"Challenges": "Retos", "Solutions": "Soluciones", "Who must act": "Quién debe actuar"},
        ),
    },
}

CONSULTATION = {
    "es": {
        "title": "Borrador de hoja de ruta: abastecimiento responsable en la movilidad",
        "summary": "Lea el borrador sección por sección, comente y díganos si está de "
        "acuerdo. Cada aportación recibe una respuesta.",
        "sections": {
            0: (
                "Por qué una hoja de ruta de movilidad",
                "Los vehículos y sus baterías usan **litio, cobalto, níquel, grafito**, "
                "cobre, aluminio y tierras raras. Su extracción afecta a personas y "
                "ecosistemas en cuatro continentes.",
            ),
        },
    },
}


def translate_session(session: Session) -> None:
    for activity in session.activities.all():
        for language, (title, texts) in ACTIVITIES.get(activity.title, {}).items():
            session_services.translate_activity(
                activity=activity, language=language, title=title, texts=texts
            )


def translate_consultation(consultation: Consultation, *, by) -> None:
    texts = list(latest_version(consultation).texts.order_by("position"))
    for language, given in CONSULTATION.items():
        consult_services.translate_consultation(
            consultation=consultation,
            by=by,
            language=language,
            title=given["title"],
            summary=given["summary"],
            sections={texts[i].pk: pair for i, pair in given["sections"].items() if i < len(texts)},
        )
