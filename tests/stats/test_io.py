"""Reading measurements from CSV and XLSX files: layouts, delimiters, and one-line errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pytest

from qualitas.stats import io
from qualitas.stats.results import StatsInputError

DATA = Path(__file__).parent / "data"
PISTONRINGS = DATA / "pistonrings_40x5.csv"
PISTONRINGS_LONG = DATA / "cli" / "pistonrings_long.csv"


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def pistonrings_xlsx(path: Path) -> Path:
    """The piston rings in a workbook: wide on the first sheet, long on a sheet named "long"."""
    workbook = openpyxl.Workbook()
    wide = workbook.active
    wide.title = "wide"
    wide.append(["sample", "X1", "X2", "X3", "X4", "X5", "phase"])
    for number, row in enumerate(io.read_measurements(PISTONRINGS).values, start=1):
        wide.append([number, *(float(v) for v in row), "I" if number <= 25 else "II"])
    long = workbook.create_sheet("long")
    long.append(["Sample", "Diameter"])
    for number, row in enumerate(io.read_measurements(PISTONRINGS).values, start=1):
        for value in row:
            long.append([f"S{number:02d}", float(value)])
    workbook.save(path)
    return path


# --- the published data sets ---------------------------------------------------------------


def test_piston_rings_wide_columns_are_found_and_other_columns_ignored():
    data = io.read_measurements(PISTONRINGS)
    assert data.layout == "wide"
    assert data.value_columns == ("x1", "x2", "x3", "x4", "x5")
    assert data.values.shape == (40, 5)
    np.testing.assert_array_equal(data.values[0], [74.030, 74.002, 74.019, 73.992, 74.008])
    np.testing.assert_array_equal(data.values[-1], [74.010, 74.005, 74.029, 74.000, 74.020])
    assert data.rows[0] == 2  # the header is row 1
    np.testing.assert_array_equal(data.subgroup_sizes, np.full(40, 5))


@pytest.mark.parametrize(
    ("name", "options", "count", "first", "last", "first_size"),
    [
        ("orangejuice.csv", {"value_col": "D", "size_col": "size"}, 54, 12, 5, 50),
        ("circuit.csv", {"value_col": "x"}, 46, 21, 21, None),
        ("circuit.csv", {}, 46, 21, 21, None),  # the column named x is the default
        ("dyedcloth_u_variable_n.csv", {"value_col": "x", "size_col": "units"}, 10, 14, 23, 10.0),
        ("viscosity.csv", {"value_col": "viscosity"}, 35, 34.05, 35.03, None),
        ("montgomery_table9_1.csv", {}, 30, 9.45, 10.52, None),
        ("nist_ewma_pmc324.csv", {}, 20, 52.0, 52.1, None),
    ],
)
def test_every_published_data_set_loads(name, options, count, first, last, first_size):
    data = io.read_measurements(DATA / name, **options)
    assert data.layout == "individuals"
    assert data.values.shape == (count,)
    assert data.values[0] == pytest.approx(first)
    assert data.values[-1] == pytest.approx(last)
    if first_size is None:
        assert data.sizes is None
    else:
        assert data.sizes[0] == first_size


def test_variable_inspection_units_are_kept_per_row():
    data = io.read_measurements(DATA / "dyedcloth_u_variable_n.csv", value_col="x", size_col="units")
    np.testing.assert_allclose(data.sizes, [10, 8, 13, 10, 9.5, 10, 12, 10.5, 12, 12.5])


# --- three layouts, one result -------------------------------------------------------------


def test_long_format_groups_rows_in_order_of_first_appearance_and_matches_wide():
    wide = io.read_measurements(PISTONRINGS)
    long = io.read_measurements(PISTONRINGS_LONG, value_col="diameter", subgroup_col="sample")
    assert long.layout == "subgroups"
    assert long.labels[:3] == ("1", "2", "3")
    assert long.labels[-1] == "40"
    assert long.rows[:2] == (2, 3)
    np.testing.assert_array_equal(long.values, wide.values)


def test_xlsx_wide_and_long_sheets_match_the_csv(tmp_path):
    workbook = pistonrings_xlsx(tmp_path / "rings.xlsx")
    csv_values = io.read_measurements(PISTONRINGS).values
    wide = io.read_measurements(workbook)
    long = io.read_measurements(workbook, sheet="long", value_col="diameter", subgroup_col="sample")
    assert wide.layout == "wide"
    np.testing.assert_array_equal(wide.values, csv_values)
    np.testing.assert_array_equal(long.values, csv_values)
    assert long.labels[0] == "S01"


def test_xlsx_integer_labels_read_as_text_without_decimals(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append(["lot", "value"])
    for lot, value in ((7, 1.5), (7, 2.5), (3, 4.0), (3, 5.0)):
        workbook.active.append([lot, value])
    workbook.save(tmp_path / "lots.xlsx")
    data = io.read_measurements(tmp_path / "lots.xlsx", subgroup_col="lot")
    assert data.labels == ("7", "3")
    np.testing.assert_array_equal(data.values, [[1.5, 2.5], [4.0, 5.0]])


def test_long_format_with_variable_subgroup_sizes_is_nan_padded(tmp_path):
    path = write(tmp_path, "var.csv", "batch,weight\nB,2\nA,1\nB,4\nA,3\nB,6\nC,7\n")
    data = io.read_measurements(path, subgroup_col="batch")
    assert data.labels == ("B", "A", "C")
    np.testing.assert_array_equal(data.values, [[2, 4, 6], [1, 3, np.nan], [7, np.nan, np.nan]])
    np.testing.assert_array_equal(data.subgroup_sizes, [3, 2, 1])


def test_wide_format_with_empty_cells_packs_each_subgroup_to_the_left(tmp_path):
    path = write(tmp_path, "wide.csv", "X2,x1,x3,note\n2,1,3,ok\n5,,6,\n,7,,short\n")
    data = io.read_measurements(path)
    assert data.value_columns == ("x1", "X2", "x3")
    np.testing.assert_array_equal(data.values, [[1, 2, 3], [5, 6, np.nan], [7, np.nan, np.nan]])
    np.testing.assert_array_equal(data.subgroup_sizes, [3, 2, 1])


def test_long_without_subgroup_column_gives_individuals():
    data = io.read_measurements(PISTONRINGS_LONG, value_col="diameter")
    assert data.values.shape == (200,)


# --- CSV dialects --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        "sample;x\n1;10.5\n2;11.25\n3;9.75\n",
        "sample\tx\n1\t10.5\n2\t11.25\n3\t9.75\n",
        "\ufeffsample,x\r\n1,10.5\r\n2,11.25\r\n3,9.75\r\n",
        '"sample","x"\n"1","10.5"\n"2", "11.25"\n\n"3","9.75"\n\n',
    ],
    ids=["semicolon", "tab", "bom-crlf", "quoted-blank-lines"],
)
def test_csv_dialects_read_the_same_values(tmp_path, content):
    data = io.read_measurements(write(tmp_path, "d.csv", content))
    np.testing.assert_array_equal(data.values, [10.5, 11.25, 9.75])


def test_column_names_match_without_regard_to_case(tmp_path):
    path = write(tmp_path, "d.csv", "Lot,Thickness\n1,2.5\n1,2.7\n")
    data = io.read_measurements(path, value_col="thickness", subgroup_col="LOT")
    np.testing.assert_array_equal(data.values, [[2.5, 2.7]])


def test_the_single_numeric_column_is_the_default_value_column(tmp_path):
    path = write(tmp_path, "d.csv", "operator,torque\nann,12.5\nbob,13\n")
    np.testing.assert_array_equal(io.read_measurements(path).values, [12.5, 13.0])


def test_scientific_notation_and_signs_are_numbers(tmp_path):
    path = write(tmp_path, "d.csv", "x\n1e-3\n-2.5E2\n+.5\n")
    np.testing.assert_array_equal(io.read_measurements(path).values, [0.001, -250.0, 0.5])


# --- bad input: one clear sentence ---------------------------------------------------------


def error_for(path: Path, **options) -> str:
    with pytest.raises(StatsInputError) as caught:
        io.read_measurements(path, **options)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_missing_file(tmp_path):
    assert error_for(tmp_path / "absent.csv") == f"File not found: {tmp_path / 'absent.csv'}."


def test_directory_is_not_a_file(tmp_path):
    assert "is not a file" in error_for(tmp_path)


def test_missing_column_lists_the_columns():
    message = error_for(DATA / "orangejuice.csv", value_col="defects", size_col="size")
    assert message == (
        f"Value column 'defects' not found in {DATA / 'orangejuice.csv'} (columns: sample, D, size, trial)."
    )


def test_missing_size_column():
    assert "Size column 'n' not found" in error_for(DATA / "orangejuice.csv", value_col="D", size_col="n")


def test_non_numeric_cell_names_file_row_and_column(tmp_path):
    path = write(tmp_path, "bad.csv", "sample,x\n1,10.5\n2,ten\n")
    assert error_for(path) == f"{path}, row 3, column 'x': 'ten' is not a number."


def test_non_numeric_cell_in_wide_layout(tmp_path):
    path = write(tmp_path, "bad.csv", "x1,x2\n1,2\n3,n/a\n")
    assert error_for(path) == f"{path}, row 3, column 'x2': 'n/a' is not a number."


def test_non_numeric_cell_in_xlsx_names_the_spreadsheet_row(tmp_path):
    workbook = openpyxl.Workbook()
    for row in (["x"], [1.0], [2.0], ["oops"]):
        workbook.active.append(row)
    workbook.save(tmp_path / "bad.xlsx")
    assert error_for(tmp_path / "bad.xlsx") == f"{tmp_path / 'bad.xlsx'}, row 4, column 'x': 'oops' is not a number."


def test_nan_and_infinity_are_not_numbers(tmp_path):
    path = write(tmp_path, "bad.csv", "x\n1\nnan\n")
    assert "'nan' is not a number" in error_for(path)


def test_decimal_comma_in_a_comma_separated_file_is_caught(tmp_path):
    path = write(tmp_path, "bad.csv", "sample,x\n1,10,5\n")
    assert "decimal comma" in error_for(path)


def test_empty_value_cell_in_long_format(tmp_path):
    path = write(tmp_path, "bad.csv", "lot,x\nA,1\nA,\n")
    assert error_for(path, subgroup_col="lot") == f"{path}, row 3, column 'x': the cell is empty."


def test_empty_subgroup_label(tmp_path):
    path = write(tmp_path, "bad.csv", "lot,x\nA,1\n,2\n")
    assert error_for(path, subgroup_col="lot") == f"{path}, row 3, column 'lot': the subgroup is empty."


def test_wide_row_without_measurements(tmp_path):
    path = write(tmp_path, "bad.csv", "x1,x2,note\n1,2,\n,,skipped\n")
    assert error_for(path) == f"{path}, row 3: no measurements in the x1..xn columns."


def test_size_must_be_positive(tmp_path):
    path = write(tmp_path, "bad.csv", "d,n\n1,50\n2,0\n")
    assert error_for(path, value_col="d", size_col="n") == f"{path}, row 3, column 'n': the size must be positive."


@pytest.mark.parametrize("content", [b"", b"\n\n  \n", b"\xef\xbb\xbf"], ids=["zero-bytes", "blank-lines", "bom"])
def test_empty_file(tmp_path, content):
    path = write(tmp_path, "empty.csv", content)
    assert error_for(path) == f"{path} is empty."


def test_header_without_rows(tmp_path):
    path = write(tmp_path, "header.csv", "sample,x\n")
    assert error_for(path) == f"{path} has a header row but no data rows."


def test_several_numeric_columns_need_a_choice():
    message = error_for(DATA / "viscosity.csv")
    assert message.endswith("has several numeric columns (batch, viscosity); choose the value column (--value-col).")


def test_no_numeric_column(tmp_path):
    path = write(tmp_path, "text.csv", "name,colour\nann,red\n")
    assert error_for(path) == f"{path} has no column of numbers."


def test_text_that_is_not_utf8(tmp_path):
    path = write(tmp_path, "latin1.csv", "x;Maß\n1;2\n".encode("latin-1"))
    assert "is not UTF-8 text" in error_for(path)


def test_subgroup_and_size_columns_together_are_refused():
    message = error_for(DATA / "orangejuice.csv", value_col="D", subgroup_col="sample", size_col="size")
    assert message == "Give either a subgroup column or a size column, not both."


def test_unknown_sheet_lists_the_sheets(tmp_path):
    workbook = pistonrings_xlsx(tmp_path / "rings.xlsx")
    assert error_for(workbook, sheet="Data") == f"Sheet 'Data' not found in {workbook} (sheets: wide, long)."


def test_sheet_of_a_csv_file():
    assert error_for(PISTONRINGS, sheet="wide").endswith("is a CSV file, which has no sheets.")


def test_corrupt_workbook(tmp_path):
    path = write(tmp_path, "broken.xlsx", b"PK\x03\x04 not really a zip archive")
    assert error_for(path) == f"{path} is not a readable XLSX workbook."


def test_a_typo_in_the_measurements_does_not_let_a_numeric_id_column_be_taken_silently(tmp_path):
    path = write(tmp_path, "bad.csv", "sample,weight\n1,10.5\n2,11\n3,1O.2\n")
    assert "several numeric columns (sample, weight)" in error_for(path)
    assert error_for(path, value_col="weight") == f"{path}, row 4, column 'weight': '1O.2' is not a number."


def test_xlsx_rows_keep_their_spreadsheet_numbers_across_gaps(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["B3"], sheet["B4"], sheet["B7"], sheet["B9"] = "x", 1.5, 2.5, "bad"
    workbook.save(tmp_path / "gaps.xlsx")
    assert error_for(tmp_path / "gaps.xlsx") == f"{tmp_path / 'gaps.xlsx'}, row 9, column 'x': 'bad' is not a number."
