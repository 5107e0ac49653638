"""Untrusted text made storable and displayable: the one cleaning every edge applies.

Whatever reaches Handraise from outside (a form post, a JSON body, an inbound
email, an imported file, the API) passes through ``clean_text`` before it is
stored. It keeps the text as given except for what no column, page or email
header can hold:

- lone surrogates (JSON's ``"\\ud800"``; a browser never sends one, a script
  can) and the surrogate escapes of undecodable bytes: such bytes are read as
  UTF-8 where they are UTF-8, anything else becomes U+FFFD;
- NUL and the other C0 and C1 control characters, DEL and the two
  noncharacters U+FFFE and U+FFFF: each becomes U+FFFD, so it is plain that
  something was there;
- line breaks: CR LF and CR become LF; a single-line value (a name, an email
  address, a header) has every line break and tab turned into a space, so it can
  never split a header or a CSV row. Vertical tab, form feed, the
  file/group/record separators and NEL are line breaks to Python's
  ``splitlines`` and to the email package: in a single-line value they become a
  space, in multi-line text U+FFFD (LF is the one line break text keeps, besides
  U+2028 and U+2029, which are text's own).

Deliberately not here: escaping (the templates do it), length limits (the forms
and models say how long a field is) and trimming.
"""

import re

_SURROGATES = re.compile("[\ud800-\udfff]")
# C0 controls except tab and LF (CR is folded into LF first), DEL, C1 controls, and
# the noncharacters U+FFFE/U+FFFF.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffe\uffff]")
# What ends a line for str.splitlines() and the email package, besides LF and CR.
_SINGLE_LINE_BREAKS = re.compile("[\t\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
REPLACEMENT = "\ufffd"


def clean_text(value: object, *, multiline: bool = False) -> str:
    """``value`` as text that every database, page and header can hold (see above)."""
    text = value if isinstance(value, str) else str(value)
    text = _without_surrogates(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not multiline:
        text = _SINGLE_LINE_BREAKS.sub(" ", text)
    return _CONTROLS.sub(REPLACEMENT, text)


def _without_surrogates(text: str) -> str:
    if not _SURROGATES.search(text):
        return text  # the common case costs one scan
    try:
        # Undecodable bytes arrive as surrogate escapes (U+DC80..U+DCFF): read them
        # as UTF-8, which is what a mislabelled header almost always is.
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:  # a lone surrogate that is not an escape
        return _SURROGATES.sub(REPLACEMENT, text)
