"""Importing the business's setup: stages, themes, quick tags, cadences, forms, saved replies,
and organisations.

These are what ``handraise export`` writes beside the history, and what the history
refers to by name (a deal's stage, a signal's theme), so ``import DIR`` reads them
first. Each row is matched by its name (a stage's, a cadence's, a form's slug, a
quick tag's kind and label, an organisation's in any case): one that is here
already is brought up to the file's values, one that is not is made, so
importing again adds nothing. Each is written by its own app's
``record_imported_*`` service, which checks it as the admin would; a refusal
rejects the row with the reason.
"""

import json

from django.core.exceptions import ValidationError

from handraise.contacts.models import Organisation
from handraise.contacts.organisations import record_imported_organisation
from handraise.enquiries.form_settings import record_imported_form
from handraise.enquiries.models import Form, ReplyTemplate
from handraise.enquiries.services import record_imported_reply_template
from handraise.imports.batches import RowProblem
from handraise.imports.exported import Context
from handraise.imports.fields import Fields, one_of, over_limit
from handraise.imports.mapping import Mapping
from handraise.imports.reading import Row
from handraise.insights.models import QuickTag, Signal, Theme
from handraise.insights.services import record_imported_quick_tag, record_imported_theme
from handraise.sales.models import Cadence, CadenceStep, Stage
from handraise.sales.services import ImportedStep, record_imported_cadence, record_imported_stage


def refused(error: ValidationError) -> RowProblem:
    """A service's ValidationError as a row's reason."""
    return RowProblem(" ".join(error.messages))


def _recorded(record, item: dict) -> list[str]:
    """One row written by its app's ``record_imported_*`` service, which answers
    (object, made): "new" or "updated"; a refusal becomes the row's reason."""
    try:
        _, made = record(**item)
    except ValidationError as error:
        raise refused(error) from None
    return ["new" if made else "updated"]


def _length(model, field: str) -> int:
    return model._meta.get_field(field).max_length


# --- stages ---------------------------------------------------------------------------


def check_stage(row: Row, header: list[str], mapping: Mapping, context: Context) -> dict:
    read = Fields(row, header, mapping)
    name = read.first("name")
    if not name:
        raise RowProblem("This stage has no name.")
    over_limit({"name": name}, {"name": _length(Stage, "name")})
    probability = read.whole("probability")
    if probability is None or probability > 100:
        raise RowProblem("A stage needs a win probability from 0 to 100 (per cent).")
    won, lost = read.flag("is_won", default=False), read.flag("is_lost", default=False)
    if won and lost:
        raise RowProblem("A stage cannot be both won and lost.")
    return {
        "name": name,
        "position": read.whole("position") or 0,
        "probability": probability,
        "is_won": won,
        "is_lost": lost,
        "stale_after_days": read.whole("stale_after_days"),
    }


def record_stage(item: dict, context: Context) -> list[str]:
    return _recorded(record_imported_stage, item)


# --- themes ---------------------------------------------------------------------------


def check_theme(row: Row, header: list[str], mapping: Mapping, context: Context) -> dict:
    read = Fields(row, header, mapping)
    name = read.first("name")
    if not name:
        raise RowProblem("This theme has no name.")
    over_limit({"name": name}, {"name": _length(Theme, "name")})
    return {
        "name": name,
        "description": read.first("description"),
        "content_idea": read.first("content_idea"),
        "created_at": read.moment("created_at", label="Created", order=None, zone=context.zone),
    }


def record_theme(item: dict, context: Context) -> list[str]:
    return _recorded(record_imported_theme, item)


# --- quick tags -----------------------------------------------------------------------


def check_quick_tag(row: Row, header: list[str], mapping: Mapping, context: Context) -> dict:
    read = Fields(row, header, mapping)
    label = read.first("label")
    if not label:
        raise RowProblem("This quick tag has no label.")
    over_limit(
        {"label": label, "theme": read.first("theme")},
        {"label": _length(QuickTag, "label"), "theme": _length(Theme, "name")},
    )
    return {
        "kind": one_of(read.first("kind"), Signal.Kind, "kind of signal"),
        "label": label,
        "theme_name": read.first("theme"),
        "position": read.whole("position") or 0,
        "is_active": read.flag("is_active", default=True),
    }


def record_quick_tag(item: dict, context: Context) -> list[str]:
    return _recorded(record_imported_quick_tag, item)


# --- cadences: one row per step -------------------------------------------------------


def check_cadence_step(row: Row, header: list[str], mapping: Mapping, context: Context) -> dict:
    read = Fields(row, header, mapping)
    name = read.first("name")
    if not name:
        raise RowProblem("This row names no cadence.")
    over_limit({"name": name}, {"name": _length(Cadence, "name")})
    position = read.whole("position")
    step = None
    if position is not None:
        days = read.whole("business_days_after")
        if days is None:
            raise RowProblem("A cadence step needs its business days after enrolment.")
        step = ImportedStep(
            position=position,
            business_days_after=days,
            kind=one_of(read.first("step_kind"), CadenceStep.Kind, "kind of step"),
            subject=read.first("subject"),
            body=read.first("body"),
        )
        over_limit({"subject": step.subject}, {"subject": _length(CadenceStep, "subject")})
    return {
        "name": name,
        "description": read.first("description"),
        "stage_name": read.first("enrol_on_stage"),
        "send_without_approval": read.flag("send_without_approval", default=False),
        "is_active": read.flag("is_active", default=True),
        "steps": [step] if step else [],
    }


def record_cadence_step(item: dict, context: Context) -> list[str]:
    fields = dict(item)
    stage_name = fields.pop("stage_name")
    stage = Stage.objects.filter(name=stage_name).first() if stage_name else None
    if stage_name and stage is None:
        raise RowProblem(f"{stage_name!r} is not one of our stages: import the stages first.")
    try:
        _, made = record_imported_cadence(enrol_on_stage=stage, **fields)
    except ValidationError as error:
        raise refused(error) from None
    return ["cadence new" if made else "cadence updated", *(["step"] if item["steps"] else [])]


# --- forms ----------------------------------------------------------------------------


def check_form(row: Row, header: list[str], mapping: Mapping, context: Context) -> dict:
    read = Fields(row, header, mapping)
    slug, name = read.first("slug"), read.first("name")
    if not slug or not name:
        raise RowProblem("A form needs its slug (the /f/<slug>/ address) and its name.")
    over_limit(
        {"slug": slug, "name": name},
        {"slug": _length(Form, "slug"), "name": _length(Form, "name")},
    )
    fields = {
        "is_active": read.flag("is_active", default=True),
        "notify": [user.strip() for user in read.first("notify").split(",") if user.strip()],
    }
    if read.first("fields"):
        try:
            fields["fields"] = json.loads(read.first("fields"))
        except json.JSONDecodeError:
            raise RowProblem(
                "The form's fields should be JSON, as our export writes them."
            ) from None
    for given in ("thank_you_message", "thank_you_url", "allowed_origins"):
        if given in read.values:
            fields[given] = read.first(given)
    created = read.moment("created_at", label="Created", order=None, zone=context.zone)
    if created:
        fields["created_at"] = created
    return {"slug": slug, "name": name, **fields}


def record_form(item: dict, context: Context) -> list[str]:
    made = not Form.objects.filter(slug=item["slug"]).exists()
    try:
        record_imported_form(**item)
    except ValidationError as error:
        raise refused(error) from None
    return ["new" if made else "updated"]


# --- saved replies --------------------------------------------------------------------


def check_reply_template(row: Row, header: list[str], mapping: Mapping, context: Context) -> dict:
    read = Fields(row, header, mapping)
    item = {name: read.first(name) for name in ("name", "subject", "body")}
    if not all(item.values()):
        raise RowProblem("A saved reply needs its name, subject and body.")
    over_limit(
        item,
        {"name": _length(ReplyTemplate, "name"), "subject": _length(ReplyTemplate, "subject")},
    )
    return item


def record_reply_template(item: dict, context: Context) -> list[str]:
    return _recorded(record_imported_reply_template, item)


# --- organisations (before the contacts that name them) -------------------------------


def check_organisation(row: Row, header: list[str], mapping: Mapping, context: Context) -> dict:
    read = Fields(row, header, mapping)
    name = read.first("name")
    if not name:
        raise RowProblem("This organisation has no name.")
    fields = {name: read.first(name) for name in ("domain", "website", "industry")}
    fields["name"] = read.first("name")
    over_limit(fields, {name: _length(Organisation, name) for name in fields})
    return {
        **fields,
        "employees": read.whole("employees"),
        "created_at": read.moment("created_at", label="Created", order=None, zone=context.zone),
    }


def record_organisation(item: dict, context: Context) -> list[str]:
    return _recorded(record_imported_organisation, item)
