"""Which column of someone's file holds which of our fields.

Headers are compared by their letters and digits only, case-folded ("E-mail",
"email" and "EMAIL" are one), against aliases taken from the exports small
businesses actually have: HubSpot, Pipedrive (with or without its "Person - "
prefix), Google Contacts, a Mailchimp audience and a plain spreadsheet. A field
such as ``email`` may come from several columns (Google's "E-mail 1 - Value",
"E-mail 2 - Value"); all of them are kept. ``--map "Their column=our field"``
names what the aliases miss, and wins over them; ``--map "Their column=-"`` leaves
a column out.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass

_NOT_ALNUM = re.compile(r"[\W_]+")


def header_key(header: str) -> str:
    """'E-mail 1 - Value' -> 'email1value'."""
    return _NOT_ALNUM.sub("", header.casefold())


def _keys(*headers: str) -> tuple[str, ...]:
    return tuple(header_key(header) for header in headers)


# field -> the headers it is known by; fields in MULTI take every matching column.
CONTACT_ALIASES = {
    # The file's own id for the person, so a deals or activities file can name them by it.
    "external_id": _keys("Record ID", "Contact ID", "Person - ID", "ID"),
    "name": _keys("Name", "Full name", "Contact name", "Person - Name", "Display name", "Contact"),
    "first_name": _keys("First name", "Given name", "Person - First name", "FNAME"),
    "middle_name": _keys("Middle name", "Additional name"),
    "last_name": _keys("Last name", "Family name", "Surname", "Person - Last name", "LNAME"),
    "email": _keys(
        "Email",
        "E-mail",
        "Email address",
        "Work email",
        "Home email",
        "Person - Email",
        "Person - Email - Work",
        "Person - Email - Home",
        "Person - Email - Other",
        "Emails",
        "Email - Work",
        "Email - Home",
        "Email - Other",
        *(f"E-mail {n} - Value" for n in range(1, 6)),
    ),
    "phone": _keys(
        "Phone",
        "Phone number",
        "Telephone",
        "Tel",
        "Mobile",
        "Mobile phone",
        "Mobile phone number",
        "Cell",
        "Work phone",
        "Person - Phone",
        "Person - Phone - Work",
        "Person - Phone - Mobile",
        "Person - Phone - Home",
        "Person - Phone - Other",
        "Phones",
        "Phone - Work",
        "Phone - Mobile",
        *(f"Phone {n} - Value" for n in range(1, 6)),
    ),
    "organisation": _keys(
        "Company",
        "Company name",
        "Organisation",
        "Organization",
        "Organisation name",
        "Organization name",
        "Organization 1 - Name",
        "Person - Organization",
        "Associated company",
    ),
    "job_title": _keys(
        "Job title", "Title", "Position", "Organization title", "Organization 1 - Title"
    ),
    "notes": _keys("Notes", "Note", "Description"),
    "created_at": _keys(
        "Create date",
        "Created",
        "Created at",
        "Date added",
        "Person created",
        "Person - Person created",
        "Add time",
        "Person - Add time",
        "OPTIN_TIME",
    ),
}
MULTI = {"email", "phone"}
# ``--map "Their column=-"``: the column is not read, whatever its aliases say.
IGNORE = "-"


class MappingError(ValueError):
    """A --map that names a column or field that does not exist."""


@dataclass(frozen=True)
class Mapping:
    columns: dict[str, list[int]]  # our field -> the column indexes it is read from
    ignored: list[str]  # headers that feed no field

    def read(self, values: list[str]) -> dict[str, list[str]]:
        """Our fields from one row: each with its non-blank values, in column order."""
        fields = {}
        for name, indexes in self.columns.items():
            found = [values[i].strip() for i in indexes if i < len(values) and values[i].strip()]
            if found:
                fields[name] = found
        return fields

    def describe(self, header: list[str]) -> list[tuple[str, str]]:
        """(their column, our field) for each mapped column, in the file's order."""
        field_of = {i: name for name, indexes in self.columns.items() for i in indexes}
        return [(header[i], field_of[i]) for i in sorted(field_of)]


def parse_overrides(pairs: Iterable[str]) -> dict[str, str]:
    """["Their column=our field", ...] -> {header key: field}."""
    overrides = {}
    for pair in pairs:
        column, sep, field = pair.partition("=")
        if not sep or not column.strip() or not field.strip():
            raise MappingError(f'--map {pair!r} should look like --map "Their column=email".')
        overrides[header_key(column)] = field.strip()
    return overrides


def map_columns(
    header: list[str], aliases: dict[str, tuple[str, ...]], overrides: dict[str, str]
) -> Mapping:
    unknown = sorted({f for f in overrides.values() if f not in aliases and f != IGNORE})
    if unknown:
        raise MappingError(
            f"--map names {', '.join(unknown)}, which is not a field here; "
            f"the fields are {', '.join(aliases)}."
        )
    keys = [header_key(name) for name in header]
    missing = sorted(set(overrides) - set(keys))
    if missing:
        raise MappingError(f"--map names a column the file does not have: {', '.join(missing)}.")
    field_of_key = {key: field for field, known in aliases.items() for key in known}
    columns: dict[str, list[int]] = {}
    ignored = []
    for index, key in enumerate(keys):
        field = overrides.get(key) or field_of_key.get(key)
        if field is None or field == IGNORE:
            if header[index]:
                ignored.append(header[index])
            continue
        if field in columns and field not in MULTI:
            ignored.append(header[index])  # the first column named for it is the one read
            continue
        columns.setdefault(field, []).append(index)
    return Mapping(columns, ignored)


DEAL_ALIASES = {
    "external_id": _keys("Record ID", "Deal ID", "Deal - ID", "ID"),
    "title": _keys("Deal name", "Deal - Title", "Title", "Deal", "Name", "Deal title"),
    "stage": _keys("Deal stage", "Deal - Stage", "Stage", "Pipeline stage"),
    "status": _keys("Deal - Status", "Status"),
    "value": _keys("Amount", "Deal - Value", "Value", "Deal value", "Amount in company currency"),
    "currency": _keys("Deal - Currency", "Currency", "Deal currency code", "Currency code"),
    "contact_name": _keys(
        "Contact",
        "Contact name",
        "Deal - Contact person",
        "Contact person",
        "Person",
        "Associated contact",
        "Person - Name",
    ),
    "contact_email": _keys(
        "Contact email",
        "Email",
        "E-mail",
        "Person - Email",
        "Person - Email - Work",
        "Associated contact email",
    ),
    "contact_phone": _keys("Contact phone", "Phone", "Person - Phone", "Person - Phone - Work"),
    "organisation": _keys(
        "Company",
        "Company name",
        "Organisation",
        "Organization",
        "Deal - Organization",
        "Associated company",
    ),
    "owner": _keys("Deal owner", "Deal - Owner", "Owner", "Deal - Owner name"),
    "created_at": _keys(
        "Create date",
        "Created",
        "Created at",
        "Deal - Deal created",
        "Deal created",
        "Deal - Add time",
        "Add time",
    ),
    "closed_at": _keys("Closed at", "Closed", "Deal - Close time", "Close time"),
    "won_at": _keys("Deal - Won time", "Won time", "Won date"),
    "lost_at": _keys("Deal - Lost time", "Lost time", "Lost date"),
    "close_date": _keys("Close date", "Expected close date", "Deal - Expected close date"),
    "lost_reason": _keys(
        "Deal - Lost reason", "Lost reason", "Closed lost reason", "Reason", "Outcome reason"
    ),
    "origin": _keys("Origin", "Source", "Deal source", "Original source", "Lead source"),
    # Our own export's columns, so its deals file comes back whole.
    "contact_id": _keys("Contact ID"),
    "enquiry_id": _keys("Enquiry ID"),
    "next_step": _keys("Next step", "Next activity subject"),
    "next_step_due": _keys("Next step due", "Next activity date"),
    "stage_entered_at": _keys("In stage since", "Entered current stage"),
    "last_activity_at": _keys("Last activity", "Last activity date"),
    "outcome_note": _keys("Outcome note", "Lost reason note", "Closed won reason"),
}


ACTIVITY_ALIASES = {
    "external_id": _keys("Activity ID", "Activity - ID", "Engagement ID", "Record ID", "ID"),
    "kind": _keys("Activity type", "Activity - Type", "Type", "Engagement type", "Kind"),
    "subject": _keys(
        "Subject", "Activity - Subject", "Title", "Call title", "Email subject", "Meeting name"
    ),
    "body": _keys(
        "Body",
        "Notes",
        "Note",
        "Activity - Note",
        "Description",
        "Call notes",
        "Email body",
        "Meeting description",
    ),
    "occurred_at": _keys(
        "Activity date",
        "When",
        "Date",
        "Timestamp",
        "Occurred at",
        "Created",
        "Create date",
        "Activity - Due date",
        "Activity - Add time",
        "Activity - Marked as done time",
    ),
    "direction": _keys("Direction", "Call direction", "Email direction"),
    "user": _keys(
        "Activity assigned to",
        "Activity - Assigned to user",
        "Owner",
        "User",
        "Created by",
        "Activity owner",
    ),
    "contact_name": _keys(
        "Contact",
        "Contact name",
        "Associated contact",
        "Activity - Contact person",
        "Person",
    ),
    "contact_email": _keys("Contact email", "Email", "Person - Email", "Associated contact email"),
    "contact_phone": _keys("Contact phone", "Phone", "Person - Phone"),
    "organisation": _keys("Company", "Associated company", "Activity - Organization"),
    "deal_id": _keys("Associated deal ID", "Deal ID", "Activity - Deal ID", "Deal - ID"),
    "deal_title": _keys("Associated deal", "Deal", "Deal name", "Deal - Title", "Activity - Deal"),
    "contact_id": _keys("Contact ID"),
    "enquiry_id": _keys("Enquiry ID"),
    "due_at": _keys("Due", "Due date", "Task due date"),
    "completed_at": _keys("Completed", "Completed at", "Task completed date"),
}


UTM_ALIASES = {
    "utm_source": _keys("UTM source", "utm_source", "Session source", "Source"),
    "utm_medium": _keys("UTM medium", "utm_medium", "Session medium", "Medium"),
    "utm_campaign": _keys("UTM campaign", "utm_campaign", "Session campaign", "Campaign"),
    "utm_content": _keys("UTM content", "utm_content", "Ad content"),
    "utm_term": _keys("UTM term", "utm_term", "Keyword", "Search term"),
}

# Marketing assets: our export, a CMS's post list (WordPress, Webflow), a content calendar.
ASSET_ALIASES = {
    "external_id": _keys("ID", "Asset ID", "Post ID"),
    "kind": _keys("Kind", "Type", "Asset type", "Content type", "Post type"),
    "title": _keys("Title", "Name", "Asset", "Post title", "Headline"),
    "url": _keys("URL", "Link", "Permalink", "Page URL", "Slug URL"),
    "summary": _keys("Summary", "Description", "Excerpt", "Post excerpt"),
    "published_at": _keys("Published", "Published at", "Publish date", "Date published", "Date"),
    "created_at": _keys("Created", "Created at", "Created on"),
    "themes": _keys("Answers themes", "Themes"),
    "topics": _keys("Topics", "Tags", "Keywords", "Categories"),
    "archived_at": _keys("Archived", "Archived at"),
}

# Visits: our export and an analytics tool's event export (GA4, Plausible, Matomo).
TOUCHPOINT_ALIASES = {
    "external_id": _keys("ID", "Touchpoint ID", "Event ID"),
    "occurred_at": _keys("When", "Timestamp", "Time", "Date", "Occurred at", "Event time"),
    "visitor_id": _keys("Visitor ID", "Visitor", "Client ID", "Anonymous ID", "User pseudo ID"),
    "contact_id": _keys("Contact ID"),
    "contact_email": _keys("Contact email", "Email"),
    "asset_id": _keys("Asset ID"),
    "asset": _keys("Asset", "Asset title", "Page title"),
    "channel": _keys("Channel", "Default channel group", "Channel group", "Channel grouping"),
    "url": _keys("URL", "Page URL", "Page location", "Page", "Entry page"),
    "referrer": _keys("Referrer", "Page referrer", "Referring URL", "Referrer URL"),
    **UTM_ALIASES,
}

# Hand-raises: our export, a form tool's submissions (Typeform, Gravity Forms, Jotform).
ENQUIRY_ALIASES = {
    "external_id": _keys("ID", "Enquiry ID", "Submission ID", "Entry ID", "Response ID"),
    "received_at": _keys("Received", "Received at", "Submitted at", "Submission date", "Date"),
    "channel": _keys("Channel", "Enquiry channel"),
    "status": _keys("Status"),
    "contact_id": _keys("Contact ID"),
    "from_name": _keys("Name given", "Name", "Full name", "Your name"),
    "from_email": _keys("Email given", "Email", "E-mail", "Email address", "Your email"),
    "from_phone": _keys("Phone given", "Phone", "Phone number", "Telephone"),
    "from_company": _keys("Company given", "Company", "Organisation", "Organization"),
    "message": _keys("Message", "Your message", "Comments", "Enquiry", "How can we help"),
    "response_due_at": _keys("Response due"),
    "first_response_at": _keys("First response", "First response at"),
    "first_response_by": _keys("First response by"),
    "acknowledged_at": _keys("Acknowledged"),
    "reminded_at": _keys("Reminded"),
    "escalated_at": _keys("Escalated"),
    "referrer": _keys("Referrer", "Referring URL"),
    "landing_page": _keys("Landing page", "Page URL", "Source URL"),
    "form": _keys("Form", "Form name", "Form slug"),
    "visitor_id": _keys("Visitor ID"),
    "fit_score": _keys("Fit score"),
    "created_at": _keys("Created", "Created at"),
    **UTM_ALIASES,
}

SIGNAL_ALIASES = {
    "external_id": _keys("ID", "Signal ID"),
    "captured_at": _keys("Captured", "Captured at", "Date"),
    "kind": _keys("Kind", "Type", "Signal type"),
    "text": _keys("Text", "Signal", "What they said"),
    "contact_id": _keys("Contact ID"),
    "contact_name": _keys("Contact", "Contact name"),
    "contact_email": _keys("Contact email", "Email"),
    "deal_id": _keys("Deal ID"),
    "activity_id": _keys("Activity ID"),
    "theme": _keys("Theme"),
    "captured_by": _keys("Captured by", "User"),
}

# The business's setup, as our export writes it.
STAGE_ALIASES = {
    "name": _keys("Name", "Stage", "Stage name"),
    "position": _keys("Position", "Order", "Display order"),
    "probability": _keys("Probability", "Win probability", "Deal probability"),
    "is_won": _keys("Won", "Is won", "Closed won"),
    "is_lost": _keys("Lost", "Is lost", "Closed lost"),
    "stale_after_days": _keys("Stale after days", "Rotting in days", "Rotting days"),
}
THEME_ALIASES = {
    "name": _keys("Name", "Theme"),
    "description": _keys("Description"),
    "content_idea": _keys("Content idea"),
    "created_at": _keys("Created", "Created at"),
}
QUICK_TAG_ALIASES = {
    "kind": _keys("Kind", "Type"),
    "label": _keys("Label", "Tag", "Name"),
    "theme": _keys("Theme"),
    "position": _keys("Position", "Order"),
    "is_active": _keys("Active", "Is active"),
}
CADENCE_ALIASES = {
    "name": _keys("Cadence", "Name", "Sequence", "Sequence name"),
    "description": _keys("Description"),
    "enrol_on_stage": _keys("Enrol on stage", "Enroll on stage"),
    "send_without_approval": _keys("Send without approval"),
    "is_active": _keys("Active", "Is active"),
    "position": _keys("Step", "Step number", "Step position"),
    "business_days_after": _keys("Business days after", "Days after", "Delay in days"),
    "step_kind": _keys("Step kind", "Step type"),
    "subject": _keys("Subject", "Email subject"),
    "body": _keys("Body", "Email body", "Task notes"),
}
FORM_ALIASES = {
    "slug": _keys("Slug"),
    "name": _keys("Name", "Form name", "Form"),
    "fields": _keys("Fields"),
    "thank_you_message": _keys("Thank you message", "Confirmation message"),
    "thank_you_url": _keys("Thank you URL", "Redirect URL"),
    "allowed_origins": _keys("Allowed origins"),
    "is_active": _keys("Active", "Is active"),
    "notify": _keys("Notify", "Notification recipients"),
    "created_at": _keys("Created", "Created at"),
}
ORGANISATION_ALIASES = {
    "name": _keys("Name", "Organisation", "Organization", "Company name", "Company"),
    "domain": _keys("Domain", "Company domain name", "Organization - Domain"),
    "website": _keys("Website", "Website URL", "Organization - Website"),
    "industry": _keys("Industry", "Organization - Industry"),
    "employees": _keys("Employees", "Number of employees", "Organization - Number of employees"),
    "created_at": _keys("Created", "Create date", "Organization - Organization created"),
}
REPLY_TEMPLATE_ALIASES = {
    "name": _keys("Name", "Template name", "Snippet name"),
    "subject": _keys("Subject"),
    "body": _keys("Body", "Text", "Template body"),
}
