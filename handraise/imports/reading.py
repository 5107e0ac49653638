"""Reading a CSV file as people have them: any of the usual encodings and delimiters.

``open_table`` looks at the file once before reading it (in fixed-size chunks, so
memory stays flat however big the file is): a byte-order mark says UTF-8 or
UTF-16 (Excel's "Unicode text"); otherwise the file is UTF-8 if every byte
decodes as UTF-8, else Windows-1252, the encoding of Excel's plain "CSV" on
Windows. The delimiter (comma, semicolon or tab) is sniffed from the start.
Rows then stream one at a time with their line numbers; a row the csv module
cannot parse is handed back as a problem, and the rows after it still come.

A file that is not text at all (NUL bytes in an 8-bit encoding), is empty, or
has only a header gets one ``UnreadableFile`` with a sentence that says so.
Nothing here knows what the columns mean: that is ``mapping``.
"""

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

CHUNK = 1 << 20
SNIFF_BYTES = 64 * 1024
# A field can be long (a pasted email thread in a notes column) but not unbounded:
# past this, the row is rejected with its reason and the next one is read.
MAX_FIELD = 1_000_000
DELIMITERS = ",;\t"

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"))
_BOMS += ((codecs.BOM_UTF16_BE, "utf-16"),)


class UnreadableFile(Exception):
    """The file as a whole cannot be read as a table; the message says why."""


@dataclass(frozen=True)
class Row:
    line: int  # where the row starts in the file, counting the header as line 1
    values: list[str]


@dataclass(frozen=True)
class BadRow:
    line: int
    reason: str


@dataclass(frozen=True)
class Table:
    path: Path
    encoding: str
    delimiter: str
    header: list[str]
    lines: int  # newline count, for a progress bar's total

    def rows(self) -> Iterator[Row | BadRow]:
        """Each data row in order, or the reason it could not be read."""
        with _text(self.path, self.encoding) as text:
            reader = csv.reader(text, delimiter=self.delimiter, strict=False)
            next(reader)
            while True:
                line = reader.line_num + 1
                try:
                    values = next(reader)
                except StopIteration:
                    return
                except csv.Error as error:
                    yield BadRow(line, f"This row cannot be read as CSV ({error}).")
                    continue
                if any(value.strip() for value in values):
                    yield Row(line, values)


def open_table(path: Path) -> Table:
    """Look at ``path`` and say how to read it; ``UnreadableFile`` if it cannot be."""
    csv.field_size_limit(MAX_FIELD)
    try:
        encoding, lines = _encoding_and_lines(path)
    except OSError as error:
        raise UnreadableFile(f"{path} cannot be opened: {error.strerror or error}.") from None
    with _text(path, encoding) as text:
        sample = text.read(SNIFF_BYTES)
    if not sample.strip():
        raise UnreadableFile(f"{path} is empty.")
    delimiter = _delimiter(sample)
    with _text(path, encoding) as text:
        try:
            header = next(csv.reader(text, delimiter=delimiter, strict=False))
        except csv.Error as error:
            raise UnreadableFile(f"{path}: the header row cannot be read ({error}).") from None
    header = [name.strip() for name in header]
    if not any(header):
        raise UnreadableFile(f"{path}: the first row should name the columns; it is blank.")
    return Table(path, encoding, delimiter, header, lines)


def _encoding_and_lines(path: Path) -> tuple[str, int]:
    with path.open("rb") as raw:
        start = raw.read(4)
        raw.seek(0)
        bom = next((name for mark, name in _BOMS if start.startswith(mark)), None)
        decoder = codecs.getincrementaldecoder("utf-8")()
        utf8, lines, has_nul = bom is None, 0, False
        while chunk := raw.read(CHUNK):
            lines += chunk.count(b"\n")
            has_nul = has_nul or b"\0" in chunk
            if utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
    if bom:
        # UTF-16 writes each newline as two bytes, one of them the newline byte.
        return bom, lines
    if has_nul:
        raise UnreadableFile(f"{path} is not a text file (it holds binary data).")
    return ("utf-8" if utf8 else "cp1252"), lines


def _text(path: Path, encoding: str) -> io.TextIOWrapper:
    # cp1252 leaves five bytes undefined; they become U+FFFD rather than an error,
    # and the cleaning at the services' edge treats the rest of the text as usual.
    return path.open(encoding=encoding, errors="replace", newline="")


def _delimiter(sample: str) -> str:
    """The delimiter that splits the header into the most columns (ties: comma first).

    csv.Sniffer guesses from character frequencies and is fooled by commas inside
    quoted text; a header row names columns, so the right delimiter gives the most.
    """
    first = sample.splitlines()[0] if sample.splitlines() else ""
    widths = {d: len(next(csv.reader([first], delimiter=d), [])) for d in DELIMITERS}
    return max(DELIMITERS, key=lambda d: (widths[d], -DELIMITERS.index(d)))
