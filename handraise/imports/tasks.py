"""Background tasks of the imports: thin wrappers that take ids and call the services."""

from django_tasks import task

from handraise.imports import jobs


@task()
def run_import_job(job_id: int) -> str:
    return jobs.run_job(job_id=job_id)
