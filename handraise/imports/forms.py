"""The Import page's two forms: the upload, then the columns and how to run.

``ColumnsForm`` has one select per column of the uploaded file, starting at what
the aliases found; its ``overrides`` say every choice explicitly (a column left
out as ``IGNORE``), so what runs is exactly what the owner saw, whatever the
aliases say. Columns are named by their header key: a header holding "=" would
otherwise split a ``--map`` pair in the wrong place.
"""

from django import forms
from django.template.defaultfilters import filesizeformat

from handraise.imports.mapping import IGNORE, MULTI, header_key
from handraise.imports.models import kind_name
from handraise.imports.runner import KINDS
from handraise.imports.selectors import PreviewColumn
from handraise.sales.models import Deal

# The orders dates.ORDERS knows, as the owner reads them.
DATE_ORDERS = {"dmy": "Day first (25/12/2024)", "mdy": "Month first (12/25/2024)"}


def field_label(field: str) -> str:
    """'first_name' -> 'First name', 'external_id' -> 'External ID'."""
    label = field.replace("_", " ").capitalize()
    return label[:-3] + " ID" if label.endswith(" id") else label


class UploadForm(forms.Form):
    kind = forms.ChoiceField(
        label="What the file holds", choices=[(kind, kind_name(kind)) for kind in KINDS]
    )
    file = forms.FileField(
        label="CSV file",
        help_text="Exports from HubSpot, Pipedrive, Google Contacts, Mailchimp or a spreadsheet "
        "saved as CSV.",
    )

    def __init__(self, *args, max_bytes: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text += f" Up to {filesizeformat(max_bytes)}."
        self.fields["file"].widget.attrs["accept"] = ".csv,.tsv,.txt,text/csv"


class ColumnsForm(forms.Form):
    date_order = forms.ChoiceField(
        label="Dates such as 03/04/2024",
        required=False,
        choices=[("", "Ask me: reject rows where it is unclear"), *DATE_ORDERS.items()],
    )
    origin = forms.ChoiceField(
        label="Where deals came from, when the file does not say",
        choices=Deal.Origin.choices,
        initial=Deal.Origin.OUTBOUND,
    )
    dry_run = forms.BooleanField(
        label="Dry run: check every row and count what would happen, but import nothing",
        required=False,
    )

    def __init__(self, *args, kind: str, columns: list[PreviewColumn], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if kind != "deals":
            del self.fields["origin"]
        self.columns = [column for column in columns if header_key(column.name)]
        choices = [("", "Not imported")] + [
            (field, field_label(field)) for field in KINDS[kind].aliases
        ]
        for column in self.columns:
            self.fields[_name(column)] = forms.ChoiceField(
                label=column.name, choices=choices, required=False, initial=column.field
            )

    def column_fields(self) -> list[tuple[PreviewColumn, forms.BoundField]]:
        return [(column, self[_name(column)]) for column in self.columns]

    def settings_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("date_order", "origin", "dry_run") if name in self.fields]

    def clean(self) -> dict:
        data = super().clean()
        chosen: dict[str, list[str]] = {}
        by_key: dict[str, PreviewColumn] = {}
        for column in self.columns:
            field = data.get(_name(column))
            if field:
                chosen.setdefault(field, []).append(column.name)
            # Overrides name a column by its key: two columns with one key read alike.
            twin = by_key.setdefault(header_key(column.name), column)
            if twin is not column and data.get(_name(twin)) != field:
                raise forms.ValidationError(
                    f"The columns {twin.name} and {column.name} have names too alike to "
                    "be told apart: read both the same way, or rename one in the file."
                )
        for field, names in chosen.items():
            if len(names) > 1 and field not in MULTI:
                raise forms.ValidationError(
                    f"{field_label(field)} can be read from one column only; "
                    f"{', '.join(names)} are all set to it."
                )
        return data

    def overrides(self) -> list[str]:
        """Every column's choice, for ``plan_import``."""
        return [
            f"{header_key(column.name)}={self.cleaned_data[_name(column)] or IGNORE}"
            for column in self.columns
        ]


def _name(column: PreviewColumn) -> str:
    return f"column_{column.index}"
