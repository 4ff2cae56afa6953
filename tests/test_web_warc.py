"""Reading WARC files: bodies decoded under a cap, damage read past, hostile records refused."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from pathlib import Path

from tracker.web.warc import ArchivedPage, Capture, WarcProblem, read_warc, write_warc

from .support.warcs import chunked, gz, page, record

CAP = 1024 * 1024


def _read(path: Path) -> tuple[list[Capture], list[WarcProblem]]:
    items = list(read_warc(path, max_body=CAP))
    return (
        [i for i in items if isinstance(i, Capture)],
        [i for i in items if isinstance(i, WarcProblem)],
    )


def test_responses_are_read_with_their_time_id_and_decoded_body(tmp_path: Path) -> None:
    body = page("Harbour closes", "The harbour closed on Monday.")
    encoded = chunked(gzip.compress(body))
    path = tmp_path / "a.warc.gz"
    path.write_bytes(
        gz(
            record("https://a.example/req", b"", kind="request"),
            record(
                "https://a.example/one",
                encoded,
                date="2024-05-01T08:30:00Z",
                record_id="<urn:uuid:11111111-1111-1111-1111-111111111111>",
                headers=[
                    ("Content-Type", "text/html"),
                    ("Content-Encoding", "gzip"),
                    ("Transfer-Encoding", "chunked"),
                ],
            ),
            record("https://a.example/two", body, date="2024-05-02T09:00:00.5Z"),
        )
    )
    captures, problems = _read(path)
    assert problems == []
    assert [c.url for c in captures] == ["https://a.example/one", "https://a.example/two"]
    first = captures[0]
    assert first.body == body
    assert first.captured_at == datetime(2024, 5, 1, 8, 30, tzinfo=UTC)
    assert first.record_id == "<urn:uuid:11111111-1111-1111-1111-111111111111>"
    assert captures[1].captured_at == datetime(2024, 5, 2, 9, 0, 0, 500000, tzinfo=UTC)


def test_a_gzip_bomb_in_a_record_is_refused_and_the_next_record_read(tmp_path: Path) -> None:
    bomb = gzip.compress(b"\0" * (64 * CAP))  # 64 MiB of zeros in about 64 KiB
    path = tmp_path / "bomb.warc"
    path.write_bytes(
        record("https://a.example/bomb", bomb, headers=[("Content-Encoding", "gzip")])
        + record("https://a.example/after", page("After", "Still here."))
    )
    captures, problems = _read(path)
    assert [c.url for c in captures] == ["https://a.example/after"]
    assert len(problems) == 1 and "larger than" in problems[0].message
    assert "a.example/bomb" in problems[0].message


def test_a_record_whose_url_is_not_http_is_one_problem(tmp_path: Path) -> None:
    path = tmp_path / "urls.warc.gz"
    path.write_bytes(
        gz(
            record("ftp://a.example/file", page("Ftp", "No.")),
            record("javascript:alert(1)", page("Js", "No.")),
            record("https://a.example/ok", page("Ok", "Yes.")),
        )
    )
    captures, problems = _read(path)
    assert [c.url for c in captures] == ["https://a.example/ok"]
    assert len(problems) == 2
    assert all("not an http(s) URL" in p.message for p in problems)


def test_a_truncated_file_keeps_the_records_before_the_cut(tmp_path: Path) -> None:
    whole = gz(*(record(f"https://a.example/{n}", page(f"N{n}", "Cut.")) for n in range(3)))
    path = tmp_path / "cut.warc.gz"
    path.write_bytes(whole[: len(whole) - 200])
    captures, problems = _read(path)
    assert [c.url for c in captures] == ["https://a.example/0", "https://a.example/1"]
    assert len(problems) == 1


def test_garbage_inside_the_file_is_passed_over(tmp_path: Path) -> None:
    for name, wrap in (("mid.warc", lambda r: r), ("mid.warc.gz", gz)):
        path = tmp_path / name
        path.write_bytes(
            wrap(record("https://a.example/before", page("Before", "One.")))
            + b"\x00garbage that is no record at all\r\n" * 50
            + wrap(record("https://a.example/after", page("After", "Two.")))
        )
        captures, problems = _read(path)
        assert [c.url for c in captures] == [
            "https://a.example/before",
            "https://a.example/after",
        ], name
        assert len(problems) == 1, (name, problems)


def test_a_file_that_is_no_warc_is_one_problem(tmp_path: Path) -> None:
    for name, data in (
        ("page.warc", b"<html><body>not an archive</body></html>\n" * 100),
        ("empty.warc.gz", gzip.compress(b"hello\n")),
        ("random.warc", bytes(range(256)) * 64),
    ):
        path = tmp_path / name
        path.write_bytes(data)
        captures, problems = _read(path)
        assert captures == [], name
        assert len(problems) == 1 and "not a WARC file" in problems[0].message, name


def test_written_files_read_back(tmp_path: Path) -> None:
    when = datetime(2024, 5, 1, 8, 0, 1, 250000, tzinfo=UTC)
    pages = [
        ArchivedPage("https://a.example/x", when, 200, page("X", "Ex.")),
        ArchivedPage("https://a.example/y", when, 404, b"", "text/plain"),
        ArchivedPage("https://a.example/z", when, 301, b"", "text/plain", "https://a.example/"),
    ]
    path = tmp_path / "out.warc.gz"
    with path.open("wb") as out:
        assert write_warc(out, pages, info={"software": "test"}, filename=path.name) == 3
    captures, problems = _read(path)
    assert problems == []
    assert [(c.url, c.status, c.captured_at, c.body) for c in captures] == [
        (p.url, p.status, p.captured_at, p.body) for p in pages
    ]
    assert captures[2].location == "https://a.example/"
