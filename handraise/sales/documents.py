"""Documents attached to deals (proposals): which files are accepted, judged by content.

The name and the type a browser sends say nothing trustworthy, so the type is
read from the file's first bytes (with ``filetype``) and the stored name and the
download's extension follow from that. Files are kept under ``MEDIA_ROOT`` in the
data dir with random names, and have no public URL: the login-required download
view is the only way out. Not here: who may download (the views decide).
"""

import re
import uuid
from pathlib import PurePath

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.template.defaultfilters import filesizeformat

# What a proposal may be, by detected type, and the extension it is stored under.
ALLOWED_TYPES = {
    "application/pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.oasis.opendocument.text": ".odt",
}
# filetype reads no further than this to recognise a file.
SNIFF_BYTES = 8192
_UNSAFE_IN_NAMES = re.compile(r'[\x00-\x1f\x7f"\\/]')


def check_document(upload: File) -> str:
    """The document's type, if it is one we accept; a ValidationError saying why not."""
    limit = settings.PROPOSAL_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            f"That file is {filesizeformat(upload.size)}; the largest accepted is "
            f"{filesizeformat(limit)}. Share a link to it instead."
        )
    if upload.size == 0:
        raise ValidationError("That file is empty.")
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    kind = filetype.guess_mime(head)
    if kind not in ALLOWED_TYPES:
        raise ValidationError(
            "Attach a PDF, Word (.docx) or OpenDocument (.odt) file; "
            "this file's contents are not one of those, whatever its name says."
        )
    return kind


def stored_path(instance, filename: str) -> str:
    """A random name under the deal's folder; the given name is kept on the row only."""
    extension = ALLOWED_TYPES.get(getattr(instance, "document_type", ""), "")
    return f"proposals/{instance.deal_id}/{uuid.uuid4().hex}{extension}"


def download_name(given: str, content_type: str) -> str:
    """The file name a download offers: the given name's stem, the detected type's extension."""
    stem = _UNSAFE_IN_NAMES.sub("", PurePath(given.replace("\\", "/")).stem).strip(" .")
    return f"{stem[:150] or 'proposal'}{ALLOWED_TYPES.get(content_type, '')}"
