"""Background tasks of insights: thin wrappers that call services."""

from django_tasks import task

from handraise.enquiries.fit_scores import rescore_enquiries


@task()
def rescore_fit() -> int:
    """Every enquiry's fit against the profile as it now is (queued when it is saved)."""
    return rescore_enquiries()
