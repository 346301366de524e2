"""A CSV row with fewer fields than the header is refused at its row, in any encoding."""

from __future__ import annotations

from pathlib import Path

import pytest

from evaluation.exceptions import DataError, user_message
from evaluation.io.tables import read_csv


@pytest.mark.parametrize("encoding", ["utf-8", "cp1252", "utf-16"])
@pytest.mark.parametrize("short", ["Örjan;Berga", "Örjan"])  # one or two fields missing
def test_short_row_is_refused_at_its_row(tmp_path: Path, encoding: str, short: str) -> None:
    path = tmp_path / "t.csv"
    path.write_text(f"namn;ort;not\nÅsa;Ryd;a\n{short}\nEva;Tornby;\n", encoding)
    with pytest.raises(DataError) as caught:
        read_csv(path)
    text = user_message(caught.value)
    assert "rad 3" in text and "t.csv" in text and "antal fält" in text


def test_blank_lines_and_empty_trailing_fields_are_read(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("namn;ort;not\nÅsa;Ryd;\n\nEva;Tornby;b\n", encoding="cp1252")
    frame = read_csv(path).frame
    assert list(frame["namn"]) == ["Åsa", "Eva"] and frame["not"].isna().tolist() == [True, False]
