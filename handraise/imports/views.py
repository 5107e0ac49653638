"""The Import page, for owners: upload a CSV file, check its columns, run it in the worker.

An upload is streamed to disk by Django as it arrives (only the temporary-file
upload handler is used here, so no file sits in memory) and refused before it
is read if it is over ``IMPORT_MAX_BYTES``. Its columns are then shown with the
first rows as they will be read; the owner's choices start a job that the
worker runs, and the job's page polls its progress with htmx (the partial
``_progress.html``; without JavaScript the page's Refresh link does the same).

Status codes: 200 for every page and for a file that cannot be imported (the
form says why); 303 after an action; 403 for anyone but an owner; 404 for an
unknown job or a rejects file that is gone; 413 for a file over the limit.
"""

from pathlib import PurePath

from django.conf import settings
from django.contrib import messages
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from handraise.accounts.access import owner_required
from handraise.core.htmx import is_htmx
from handraise.imports import jobs, selectors
from handraise.imports.forms import ColumnsForm, UploadForm
from handraise.imports.models import ImportJob
from handraise.imports.runner import ImportProblem, plan_import

Status = ImportJob.Status


@csrf_exempt  # checked below, once the upload handlers are chosen (Django's documented way)
@require_http_methods(["GET", "POST"])
@owner_required
def import_page(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        limit = settings.IMPORT_MAX_BYTES
        if _content_length(request) > limit + 64 * 1024:  # room for the form around the file
            # Refused before Django reads the body: nothing of it is stored.
            form = UploadForm(max_bytes=limit)
            error = f"That file is over {filesizeformat(limit)}, the largest accepted. " + (
                "Split it into smaller files and import each."
            )
            return _page(request, form, error=error, status=413)
        # Written to a temporary file as it arrives, never held in memory.
        request.upload_handlers = [TemporaryFileUploadHandler(request)]
    return csrf_protect(_import_page)(request)


def _import_page(request: HttpRequest) -> HttpResponse:
    limit = settings.IMPORT_MAX_BYTES
    if request.method == "GET":
        return _page(request, UploadForm(max_bytes=limit))
    form = UploadForm(request.POST, request.FILES, max_bytes=limit)
    if not form.is_valid():
        return _page(request, form)
    upload = form.cleaned_data["file"]
    if upload.size > limit:
        return _page(request, form, error=f"That file is over {filesizeformat(limit)}.", status=413)
    try:
        job = jobs.receive_upload(user=request.user, kind=form.cleaned_data["kind"], upload=upload)
    except ImportProblem as problem:
        return _page(request, form, error=str(problem))
    return redirect("import-job", pk=job.pk)


def _page(request, form, *, error: str = "", status: int = 200) -> HttpResponse:
    context = {
        "form": form,
        "error": error,
        "states": [selectors.job_state(job) for job in selectors.import_jobs()],
    }
    return render(request, "imports/import_page.html", context, status=status)


@require_http_methods(["GET", "POST"])
@owner_required
def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(ImportJob, pk=pk)
    if job.status != Status.UPLOADED:
        if request.method == "POST":
            return redirect("import-job", pk=pk)
        return render(request, "imports/job.html", {"state": selectors.job_state(job)})
    path = jobs.absolute(job.stored_path)
    try:
        plan = plan_import(job.kind, path)
    except ImportProblem as problem:
        # The file was readable when uploaded; gone or changed since (a restore, say).
        context = {"job": job, "error": jobs.in_words(str(problem), path, job.file_name)}
        return render(request, "imports/columns.html", context)
    lines, columns = selectors.preview(plan.table, plan.mapping)
    form = ColumnsForm(request.POST or None, kind=job.kind, columns=columns)
    error = ""
    if request.method == "POST" and form.is_valid():
        overrides = form.overrides()
        try:
            plan_import(job.kind, path, overrides)  # the same check the worker makes
        except ImportProblem as problem:
            error = jobs.in_words(str(problem), path, job.file_name)
        else:
            jobs.start_job(
                job=job,
                overrides=overrides,
                date_order=form.cleaned_data["date_order"],
                dry_run=form.cleaned_data["dry_run"],
                origin=form.cleaned_data.get("origin", ""),
            )
            return redirect("import-job", pk=pk)
    context = {
        "job": job,
        "form": form,
        "error": error,
        "table": plan.table,
        "lines": lines,
        "delimiter": {",": "commas", ";": "semicolons", "\t": "tabs"}[plan.table.delimiter],
    }
    return render(request, "imports/columns.html", context)


@require_GET
@owner_required
def import_job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    state = selectors.job_state(get_object_or_404(ImportJob, pk=pk))
    if not is_htmx(request):
        return redirect("import-job", pk=pk)
    return render(request, "imports/_progress.html", {"state": state})


@require_POST
@owner_required
def import_job_again(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(ImportJob, pk=pk)
    if jobs.run_again(job=job):
        messages.success(request, f"{job.file_name} is queued again.")
    else:
        messages.warning(request, "That import cannot be run again (it is running or done).")
    return redirect("import-job", pk=pk)


@require_POST
@owner_required
def import_job_discard(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(ImportJob, pk=pk)
    if jobs.discard_upload(job=job):
        messages.success(request, f"{job.file_name} was not imported, and is deleted.")
        return redirect("import-page")
    return redirect("import-job", pk=pk)


@require_GET
@owner_required
def import_job_rejects(request: HttpRequest, pk: int) -> FileResponse:
    """The rejected rows as CSV (line, reason, the row), as a download only."""
    job = get_object_or_404(ImportJob, pk=pk)
    if not job.rejects_path:
        raise Http404("This import rejected no rows.")
    try:
        handle = jobs.absolute(job.rejects_path).open("rb")
    except FileNotFoundError:
        raise Http404("The rejected rows are no longer on the server.") from None
    # The stored name is already safe for a header (jobs.safe_file_name).
    stem = PurePath(job.file_name).stem or "import"
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"{stem}.rejects.csv",
        content_type="text/csv; charset=utf-8",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _content_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0
