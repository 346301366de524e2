"""The saved ledger: format 2 round-trips every entry, format 1 still reads, others refuse."""

from __future__ import annotations

import json

import pytest

from evaluation.privacy.ledger import Figure, Ledger

MONTHS = [f"2024-{m:02d}" for m in range(1, 13)]


def _ledger() -> Ledger:
    ledger = Ledger("berga/area_analysis", 5)
    ledger.declare("Insatser", "area", ["0580BER", "0580RYD"])
    for i, area in enumerate(["0580BER", "0580RYD"]):
        fig = Figure.of("Insatser", {"area": [area], "period": MONTHS, "typ": ["stöd"]})
        ledger.add("Tabell A", fig, "count", 12.0 + i, row=i)
        ledger.add("Diagram B", fig, "count", 12.0 + i)  # the same figure in another output
    hidden = Figure.of("Insatser", {"area": ["0580RYD"], "period": MONTHS[:6]})
    ledger.add("Tabell A", hidden, "count", None, target=True, row=2)
    ledger.add("Tabell A", Figure.of("Andel", {}), "numerator", 0.0, row=3)
    return ledger


def _rows(ledger: Ledger) -> list[tuple]:
    return [(e.output, e.figure, e.role, e.value, e.target, e.row) for e in ledger.entries]


def test_format_2_round_trips_every_entry_through_json(tmp_path):
    ledger = _ledger()
    data = json.loads(json.dumps(ledger.as_dict()))
    assert data["format"] == 2
    back = Ledger.from_dict(data)
    assert _rows(back) == _rows(ledger)
    assert back.domains == ledger.domains
    assert (back.report, back.min_count) == (ledger.report, ledger.min_count)
    assert back.hidden_keys() == ledger.hidden_keys()
    path = ledger.save(tmp_path / "a.ledger.json")
    assert _rows(Ledger.load(path)) == _rows(ledger)


def test_format_2_stores_each_text_and_value_list_once():
    data = _ledger().as_dict()
    assert data["texts"].count("Insatser") == 1
    assert data["values"].count(MONTHS) == 1
    assert "2024-01" not in json.dumps(data["entries"])  # entries hold indices only
    assert all(e[3] is None for e in data["entries"] if e[4])  # no hidden value is stored


def test_format_1_ledgers_of_earlier_terms_still_read():
    ledger = _ledger()
    old = {
        "format": 1,
        "report": ledger.report,
        "min_count": ledger.min_count,
        "domains": {m: {d: list(v) for d, v in ds.items()} for m, ds in ledger.domains.items()},
        "entries": [e.as_dict() for e in ledger.entries],
    }
    assert _rows(Ledger.from_dict(json.loads(json.dumps(old)))) == _rows(ledger)


def test_an_unknown_format_is_refused():
    with pytest.raises(ValueError, match="okänt format 3"):
        Ledger.from_dict({"format": 3, "entries": []})


def test_a_ledger_is_parsed_once_while_its_file_stays_the_same(tmp_path):
    import os

    from evaluation.privacy import publication

    path = _ledger().save(tmp_path / "a.ledger.json")
    first = publication.read_ledger(path)
    assert publication.read_ledger(path) is first
    changed = _ledger()
    changed.add("Tabell C", Figure.of("Insatser", {"area": ["0580BER"]}), "count", 40.0)
    tmp = tmp_path / "tmp.json"
    changed.save(tmp)
    os.replace(tmp, path)  # how reports write their ledgers: a new file in its place
    again = publication.read_ledger(path)
    assert again is not first and _rows(again) == _rows(changed)


def test_prefetched_ledgers_are_the_ones_the_audit_reads(tmp_path):
    from evaluation.privacy import publication

    paths = [_ledger().save(tmp_path / f"{n}.ledger.json") for n in "abc"]
    publication.AuditAhead([*paths, tmp_path / "missing.ledger.json"])
    publication._await_prefetch()
    assert all(publication._READ[str(p)][1] is publication.read_ledger(p) for p in paths)


def test_a_ledger_written_over_in_place_is_read_again(tmp_path):
    import os

    from evaluation.privacy import publication

    path = _ledger().save(tmp_path / "a.ledger.json")
    first = publication.read_ledger(path)
    st = path.stat()
    changed = _ledger()
    changed.entries[0].value = 13.0  # the same length of text: same size on disk
    changed.save(path)  # written over in place: the same inode
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # and the old mtime put back
    assert path.stat().st_size == st.st_size and path.stat().st_ino == st.st_ino
    again = publication.read_ledger(path)
    assert again is not first and again.entries[0].value == 13.0


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("garbage{", "trasig JSON på rad 1"),
        ('{"format": 3, "entries": []}', "okänt format 3"),
        ('{"format": 2, "texts": [], "values": [], "entries": [[0]]}', "inte en liggares form"),
    ],
)
def test_a_damaged_ledger_is_a_data_error_naming_its_file(tmp_path, text, reason):
    from evaluation.exceptions import DataError

    path = tmp_path / "omr" / "rapport.ledger.json"
    path.parent.mkdir()
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=reason) as err:
        Ledger.load(path)
    assert err.value.file == str(path) and "--force" in str(err.value)


def test_the_ledger_output_is_taken_out_of_the_notebook_as_text():
    import nbformat

    from evaluation.exceptions import PrivacyError
    from evaluation.privacy.ledger import LEDGER_MIME
    from evaluation.privacy.publication import take_ledger

    def notebook(ledger):
        cell = nbformat.v4.new_code_cell("appendix")
        cell.outputs = [
            nbformat.v4.new_output(
                "display_data", data={"text/html": "<p>Bilaga</p>", LEDGER_MIME: ledger}
            ),
            nbformat.v4.new_output("display_data", data={"text/plain": "x", LEDGER_MIME: "{}"}),
        ]
        nb = nbformat.v4.new_notebook()
        nb.cells = [cell]
        return nb

    nb = notebook('{"format": 2}')
    assert take_ledger(nb) == "{}"  # the last one
    # the page keeps the appendix and loses the output that held only the ledger
    assert [dict(o["data"]) for o in nb.cells[0].outputs] == [{"text/html": "<p>Bilaga</p>"}]
    # a ledger displayed as an object would be written beside the page as no ledger at all
    with pytest.raises(PrivacyError, match="kom inte som text"):
        take_ledger(notebook({"format": 2}))


@pytest.mark.parametrize("text", ["{not json", '{"revised": "a key"}', "[1, 2]"])
def test_a_damaged_key_file_is_named(tmp_path, text):
    from evaluation.exceptions import DataError
    from evaluation.privacy.ledger import REVISED_FILE, read_revised

    path = tmp_path / "ledgers" / REVISED_FILE
    path.parent.mkdir()
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as info:
        read_revised(tmp_path)
    assert info.value.file is not None and REVISED_FILE in str(info.value.file)
