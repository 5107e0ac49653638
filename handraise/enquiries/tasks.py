"""Background tasks for enquiries: thin wrappers that take ids and call services."""

from django_tasks import task

from handraise.enquiries import services


@task()
def process_submission(submission_id: int) -> str:
    return services.process_submission(submission_id=submission_id)
