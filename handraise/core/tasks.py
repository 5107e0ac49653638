"""Background tasks of the core: thin wrappers that take ids and call services."""

from django_tasks import task

from handraise.core import outbox


@task()
def send_email(email_id: int) -> str:
    return outbox.send_email(email_id=email_id)
