"""Record that mail to an address bounced (the platform receives no mail itself: copy
the address from the bounce your mail provider reports). Invitations and reminders are
no longer sent to it; the invitation list shows "Address bounced"."""

from django.core.management.base import BaseCommand, CommandError

from people.services import record_bounce


class Command(BaseCommand):
    help = "Mark an email address as bounced, so no invitation goes to it any more."

    def add_arguments(self, parser) -> None:
        parser.add_argument("email", nargs="+", help="one or more addresses that bounced")
        parser.add_argument("--reason", default="", help="what the bounce said (kept, 300 chars)")

    def handle(self, *args, email: list[str], reason: str, **options) -> None:
        unknown = []
        for address in email:
            found = record_bounce(email=address, reason=reason or "bounced")
            if found is None:
                unknown.append(address)
            else:
                self.stdout.write(f"bounced: {found.email} (person {found.person_id})")
        if unknown:
            raise CommandError(f"not in the directory: {', '.join(unknown)}")
