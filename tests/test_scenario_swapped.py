"""benchmarks/scenario.py --swapped: each topic's other event as the claim, read from the site."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import scenario


def _page(*paragraphs: str) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return f"<html><body><main><article><h1>Title</h1>{body}</article></main></body></html>"


def _article(topic: str, event: str, k: int, *paragraphs: str) -> dict[str, object]:
    return {
        "id": f"t{topic}-{event}-{k}",
        "topic": topic,
        "event": event,
        "url": f"http://127.0.1.1:{{port}}/x/{topic}-{event.lower()}-{k}",
        "versions": {"0": _page(*paragraphs)},
    }


def test_the_swapped_claim_is_the_first_statement_of_the_other_events_first_article(
    tmp_path: Path,
) -> None:
    statement = "The council approved the new harbour bridge on Monday after a long debate."
    site = {
        "articles": [
            _article("1", "A", 0, "A first sentence of event A that is long enough to count."),
            _article("1", "B", 0, "May 2, 2013 | 5:03pm", statement, "Later text of the report."),
            _article("1", "B", 1, "Another report of event B, in words of its own."),
            # a topic whose other event has no paragraph of ten words: no claim
            _article("2", "A", 0, "Event A of topic two, in a sentence of ten words or more."),
            _article("2", "B", 0, "Too short to be a claim."),
            # a derived copy of event A counts among the hard negatives, not the repeaters
            {**_article("1", "A", 9, statement), "id": "d0-copy-0"},
        ]
    }
    (tmp_path / "site.json").write_text(json.dumps(site))
    claims = scenario.swapped_claims(tmp_path)
    assert claims == [("1", statement, {"t1-B-0", "t1-B-1"})]
