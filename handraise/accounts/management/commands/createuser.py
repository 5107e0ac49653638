import getpass
import secrets
import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from handraise.accounts import services


class Command(BaseCommand):
    help = "Create a user who may sign in (--owner for the business owner)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--owner", action="store_true", help="May change settings and use the admin."
        )
        parser.add_argument(
            "--password-stdin",
            action="store_true",
            help="Read the password from standard input instead of asking.",
        )

    def handle(self, *args, username, email, owner, password_stdin, **options):
        generated = False
        if password_stdin:
            password = sys.stdin.readline().rstrip("\n")
        elif sys.stdin.isatty():
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("the two passwords differ; nothing was created")
        else:
            password, generated = secrets.token_urlsafe(12), True
        try:
            user = services.create_user(
                username=username, password=password, email=email, is_owner=owner
            )
        except services.UserExists as error:
            raise CommandError(str(error)) from None
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        role = "owner" if user.is_staff else "teammate"
        self.stdout.write(f"Created {role} {user.username!r}.")
        if generated:
            self.stdout.write(f"Password: {password}")
