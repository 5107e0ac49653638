"""Reading files as people have them: encodings, delimiters, and files that are not tables."""

import codecs

import pytest

from handraise.imports.reading import MAX_FIELD, BadRow, Row, UnreadableFile, open_table

pytestmark = pytest.mark.unit

TEXT = "Full name,E-mail,Company\nZoë O’Brien,zoe@example.com,Café Crème\n"


def rows_of(table) -> list:
    return [(r.line, r.values) if isinstance(r, Row) else (r.line, r.reason) for r in table.rows()]


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
        (TEXT.encode("utf-16"), "utf-16"),  # Excel's "Unicode text" (BOM included)
        (TEXT.encode("cp1252"), "cp1252"),  # Excel's plain "CSV" on Windows
    ],
    ids=["utf-8", "utf-8 with BOM", "utf-16", "windows-1252"],
)
def test_each_usual_encoding_reads_back_the_same_text(tmp_path, data, encoding):
    path = tmp_path / "people.csv"
    path.write_bytes(data)

    table = open_table(path)

    assert table.encoding == encoding
    assert table.header == ["Full name", "E-mail", "Company"]
    assert rows_of(table) == [(2, ["Zoë O’Brien", "zoe@example.com", "Café Crème"])]


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_the_delimiter_is_found_even_with_commas_inside_quoted_text(tmp_path, delimiter):
    path = tmp_path / "people.csv"
    lines = [["Name", "Notes", "Email"], ["Ann Lee", '"Met at a fair, asked, twice"', "a@x.com"]]
    path.write_text("\n".join(delimiter.join(line) for line in lines) + "\n")

    table = open_table(path)

    assert table.delimiter == delimiter
    assert rows_of(table) == [(2, ["Ann Lee", "Met at a fair, asked, twice", "a@x.com"])]


def test_a_quoted_field_over_several_lines_keeps_the_next_rows_line_numbers_right(tmp_path):
    path = tmp_path / "people.csv"
    path.write_text('Name,Notes\nAnn,"line one\nline two"\nBen,short\n')

    assert rows_of(open_table(path)) == [(2, ["Ann", "line one\nline two"]), (4, ["Ben", "short"])]


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"", "is empty"),
        (b"   \n\n", "is empty"),
        (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0", "not a text file"),
        (b",,,\n", "the first row should name the columns"),
    ],
    ids=["empty", "blank lines", "binary", "blank header"],
)
def test_a_file_that_is_not_a_table_gets_one_clear_sentence(tmp_path, data, says):
    path = tmp_path / "export.csv"
    path.write_bytes(data)

    with pytest.raises(UnreadableFile, match=says):
        open_table(path)


def test_a_missing_file_says_so(tmp_path):
    with pytest.raises(UnreadableFile, match="cannot be opened"):
        open_table(tmp_path / "nowhere.csv")


def test_a_header_only_file_has_no_rows(tmp_path):
    path = tmp_path / "people.csv"
    path.write_text("Name,Email\n")

    assert rows_of(open_table(path)) == []


def test_a_field_past_the_limit_is_a_bad_row_and_the_rows_after_it_still_come(tmp_path):
    path = tmp_path / "people.csv"
    path.write_text(f"Name,Notes\nAnn,{'x' * (MAX_FIELD + 1)}\nBen,fine\n")

    rows = list(open_table(path).rows())

    assert isinstance(rows[0], BadRow) and rows[0].line == 2
    assert "field larger than field limit" in rows[0].reason
    assert rows[-1] == Row(3, ["Ben", "fine"])


def test_an_unterminated_quote_takes_the_rest_of_the_file_into_one_field(tmp_path):
    # What Excel and LibreOffice do too; the importer then rejects the row by its width
    # or its values, and says on which line the quote opened.
    path = tmp_path / "people.csv"
    path.write_text('Name,Email\nAnn,"a@x.com\nBen,b@x.com\n')

    assert rows_of(open_table(path)) == [(2, ["Ann", "a@x.com\nBen,b@x.com\n"])]


def test_the_line_count_for_the_progress_bar_streams_a_big_file(tmp_path):
    path = tmp_path / "big.csv"
    with path.open("w") as out:
        out.write("Name,Email\n")
        for i in range(50_000):
            out.write(f"Person {i},p{i}@example.com\n")

    table = open_table(path)

    assert table.lines == 50_001
    assert sum(1 for _ in table.rows()) == 50_000
