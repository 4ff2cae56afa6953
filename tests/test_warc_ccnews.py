"""The README's CC-NEWS backfill, run as printed on a file in CC-NEWS's record layout.

No internet here: the demo web's captures are written as Common Crawl writes CC-NEWS
(`tracker.testing.warcs.write_ccnews_warc`: warcinfo first, gzip per record, the payload stored
decoded with the server's encoding under `X-Crawler-Content-Encoding`). The commands the README
prints (`outlets add`, `import` twice, `claims add --origin`, `who-repeated`) must answer as an
import of the same captures in the tracker's own layout does (`tests/test_warc_demo.py` shows
that one answers as the crawled demo).
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from warcio.archiveiterator import ArchiveIterator

from tracker.api import Tracker
from tracker.api.claims import Claims
from tracker.clock import ManualClock
from tracker.demo.corpus import load_corpus
from tracker.demo.run import TAIL_HOURS, demo_settings
from tracker.testing.warcs import demo_bases, write_ccnews_warc, write_demo_warc

from .support.cli_run import run_cli


def _layout(archive: Path) -> tuple[list[str | None], list[dict[str, str]]]:
    """Record types in order, and the WARC and HTTP headers of the first response."""
    kinds: list[str | None] = []
    first: dict[str, str] = {}
    with archive.open("rb") as handle:
        for rec in ArchiveIterator(handle):
            kinds.append(rec.rec_type)
            if rec.rec_type == "response" and not first:
                first = dict(rec.rec_headers.headers) | {
                    "http:" + k: v for k, v in rec.http_headers.headers
                }
                first["version"] = rec.rec_headers.protocol
    return kinds, [first]


def _key(url: str, row: dict[str, object]) -> tuple[object, ...]:
    parts = urlsplit(url)
    return (parts.hostname, parts.path, row["outlet"], row["role"], row["stance"])


def test_the_readme_backfill_commands_answer_who_repeated_from_a_cc_news_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACKER_CRAWL_EXTRACT_WORKERS", "1")
    monkeypatch.setenv("TRACKER_DATA_DIR", str(tmp_path))
    corpus = load_corpus()
    archive = tmp_path / "CC-NEWS-20260302080000-00001.warc.gz"
    responses = write_ccnews_warc(archive, corpus)
    kinds, (first,) = _layout(archive)
    assert kinds[0] == "warcinfo" and kinds[1:] == ["response"] * responses
    assert first["version"] == "WARC/1.0"
    assert first["http:X-Crawler-Content-Encoding"] == "gzip"
    for name in ("WARC-Target-URI", "WARC-Date", "WARC-Record-ID", "WARC-Warcinfo-ID"):
        assert first[name], name

    db = str(tmp_path / "ccnews.db")
    for outlet in corpus.outlets:
        alias = [arg for a in outlet.aliases for arg in ("--alias", a)]
        code, _, err = run_cli(["--db", db, "outlets", "add", outlet.name, outlet.host, *alias],
                               capsys)  # fmt: skip
        assert code == 0, err
    code, out, err = run_cli(["--db", db, "import", str(archive)], capsys)
    assert code == 0, err
    assert "Traceback" not in err
    # Run again, as after an interruption: nothing is stored twice.
    code, again, err = run_cli(["--db", db, "import", str(archive)], capsys)
    assert code == 0, err
    assert "0 new articles" in again, again
    claim = corpus.claims[0]
    origin = corpus.article(claim.origin)
    origin_url = demo_bases(corpus)[origin.outlet] + origin.path
    code, _, err = run_cli(
        ["--db", db, "claims", "add", claim.slug, claim.text, "--origin", origin_url], capsys
    )
    assert code == 0, err
    code, out, err = run_cli(["--db", db, "who-repeated", claim.slug, "--json"], capsys)
    assert code == 0, err
    rows = json.loads(out)["rows"]
    got = sorted(_key(str(r["url"]), r) for r in rows)

    # The same captures in the tracker's own layout, imported through the library.
    plain = tmp_path / "plain.warc.gz"
    write_demo_warc(plain, corpus)
    clock = ManualClock(corpus.start)
    with Tracker(demo_settings(tmp_path / "plain.db"), clock=clock) as tracker:
        for outlet in corpus.outlets:
            tracker.add_outlet(outlet.name, outlet.host, outlet.aliases)
        tracker.import_warc([plain])
        claims = Claims(tracker.store, clock)
        claims.add(claim.slug, claim.text, origin=origin_url)
        clock.set(corpus.end + timedelta(hours=TAIL_HOURS))
        answer = claims.who_repeated(claim.slug)
    want = sorted(
        _key(r.url, {"outlet": r.outlet, "role": r.role, "stance": r.stance}) for r in answer.rows
    )
    assert len(want) > 5
    assert got == want
    assert any(host == urlsplit(origin_url).hostname for host, *_ in got)
