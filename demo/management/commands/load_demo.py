from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand
from django.urls import reverse

from demo import board, consultation, data, directory, knowledge, roadmap, translations


class Command(BaseCommand):
    help = "Create the demo facilitator and the demo workshop session (safe to run again)."

    def handle(self, *args, **options) -> None:
        User = get_user_model()
        user, created = User.objects.get_or_create(
            username=data.FACILITATOR_USERNAME, defaults={"email": "facilitator@example.org"}
        )
        if created:
            user.set_password(data.FACILITATOR_PASSWORD)
            user.save()
        EmailAddress.objects.update_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
        user.user_permissions.add(
            Permission.objects.get(codename="organise", content_type__app_label="live"),
            Permission.objects.get(codename="manage_directory", content_type__app_label="people"),
            Permission.objects.get(
                codename="manage_knowledge", content_type__app_label="knowledge"
            ),
        )
        session = data.load(owner=user)
        board.load(session=session)
        draft = consultation.load(owner=user, process=session.event.process)
        translations.translate_session(session)
        translations.translate_consultation(draft, by=user)
        directory.load(owner=user, session=session)
        user = User.objects.get(pk=user.pk)  # its new permissions, not the cached ones
        knowledge.load(by=user)
        roadmap.load(by=user, process=session.event.process)
        draft_url = "http://127.0.0.1:8000" + reverse(
            "consult:consultation", args=[draft.process.slug, draft.slug]
        )
        self.stdout.write(
            self.style.SUCCESS(
                "\nDemo ready.\n"
                f"  Facilitator login: {data.FACILITATOR_USERNAME} / {data.FACILITATOR_PASSWORD}"
                "  at http://127.0.0.1:8000/accounts/login/\n"
                f"  Join code: {session.code}  (participants: http://127.0.0.1:8000/j/{session.code})\n"
                f"  Projector: http://127.0.0.1:8000/s/{session.code}/screen\n"
                f"  Consultation: {draft_url}\n"
                "  Good-practice cases: http://127.0.0.1:8000/cases/"
                " (impact matrix: http://127.0.0.1:8000/impact-matrix/, roadmaps:"
                " http://127.0.0.1:8000/roadmaps/, calendar: http://127.0.0.1:8000/calendar/)\n"
                f"  Stakeholder logins (comment, validate): amara, lucas, ines, thabo"
                f" / {consultation.PARTICIPANT_PASSWORD}\n"
            )
        )
