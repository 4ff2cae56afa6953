"""The HTML report of one claim: one self-contained, offline file an editor can read and forward.

Pure: `render_report(story)` returns the page as a string. The page loads nothing: styles and
the small script are inline and allowed by their hashes in a Content-Security-Policy that
forbids every other source, the timeline is inline SVG, and fonts are the reader's own. Every
text from the story goes through Jinja's autoescaping or markupsafe; hyperlinks are only made
for http(s) URLs.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from tracker.config import VERSION
from tracker.domain import CorrectionKind, Edge, Stance, UptakeKind
from tracker.domain.story import ClaimStory, StoryArticle
from tracker.export.graph import NO_CORRECTION, OutletRow, StorySummary, outlet_rows, summarise
from tracker.export.timeline import (
    CORRECTION_COLOURS,
    EDGE_STYLES,
    STANCE_COLOURS,
    UNKNOWN_COLOUR,
    UPTAKE_COLOURS,
    duration_text,
    element,
    number_text,
    render_timeline,
    uptake_symbol,
)
from tracker.text.cleaning import remove_control_chars

__all__ = ["content_security_policy", "render_report", "safe_href"]

CONTEXT_CHARS = 160  # characters of context shown on each side of a shared passage
PASSAGE_CHARS = 600  # a longer passage is shown by its beginning and end
PASSAGES_SHOWN = 3
CHAIN_SHOWN = 5  # outlets of the longest chain named in its figure; longer chains are elided
OPEN_EVIDENCE = 40  # with at most this many edges the evidence is shown open (and printed)


def safe_href(url: str | None) -> str | None:
    """`url` if it may become a hyperlink (absolute http or https), else None."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    return url.strip() if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def _link(url: str | None, text: str | None) -> Markup:
    href = safe_href(url)
    label = text or url or ""
    if href is None:
        return element("span", label)
    return element("a", label, href=href, rel="noopener noreferrer")


def _chip(colour: str, text: str) -> Markup:
    # A colour class per value would need a longer stylesheet; the fill lives on an SVG swatch.
    swatch = element(
        "svg",
        element("circle", cx="5", cy="5", r="5", fill=colour),
        width="10",
        height="10",
        viewBox="0 0 10 10",
        aria_hidden="true",
    )
    return Markup("{} {}").format(swatch, text)


@cache
def _asset(name: str) -> str:
    return resources.files("tracker.export").joinpath("templates", name).read_text(encoding="utf-8")


def _digest(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()


def content_security_policy() -> str:
    """The page's policy: nothing from anywhere, except its own inline style and script."""
    return (
        "default-src 'none'; "
        f"script-src '{_digest(_asset('report.js'))}'; "
        f"style-src '{_digest(_asset('report.css'))}'; "
        "img-src 'none'; font-src 'none'; connect-src 'none'; "
        "base-uri 'none'; form-action 'none'"
    )


@cache
def _environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("tracker.export", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.globals.update(link=_link, chip=_chip)
    return environment


def _time(moment: datetime | None) -> str:
    return f"{moment:%a %d %b %Y %H:%M} UTC" if moment else ""


# ---------------------------------------------------------------- evidence


@dataclass(frozen=True, slots=True)
class _Excerpt:
    before: str
    mark: str
    after: str


@dataclass(frozen=True, slots=True)
class _SideBySide:
    source: _Excerpt
    target: _Excerpt


def _head(text: str, limit: int) -> str:
    """At most `limit` characters from the start of `text`, ending at a word's end."""
    if len(text) <= limit:
        return text
    cut = text[: limit + 1]
    space = max(cut.rfind(" "), cut.rfind("\n"))
    return (cut[:space] if space > 0 else cut[:limit]).rstrip()


def _tail(text: str, limit: int) -> str:
    """At most `limit` characters from the end of `text`, starting at a word's start."""
    if len(text) <= limit:
        return text
    cut = text[-limit - 1 :]
    space = min((i for i in (cut.find(" "), cut.find("\n")) if i >= 0), default=-1)
    return (cut[space + 1 :] if 0 <= space < len(cut) - 1 else cut[1:]).lstrip()


def _shorten(text: str) -> str:
    if len(text) <= PASSAGE_CHARS:
        return text
    return f"{_head(text, PASSAGE_CHARS * 2 // 3)} … {_tail(text, PASSAGE_CHARS // 4)}"


def _excerpt(text: str, start: object, end: object, fallback: str) -> _Excerpt:
    """The marked span of `text` with context cut at word boundaries; the bare `fallback` when
    the offsets do not fit."""
    if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text):
        before = _tail(text[:start], CONTEXT_CHARS)
        after = _head(text[end:], CONTEXT_CHARS)
        if len(before) < len(text[:start].lstrip()):
            before = f"… {before}"
        if len(after) < len(text[end:].rstrip()):
            after = f"{after} …"
        return _Excerpt(before, _shorten(text[start:end]), after)
    return _Excerpt("", _shorten(fallback), "")


def _sentence_at(text: str, start: object, end: object) -> str:
    """The sentence at [start, end) of `text`, shortened at word boundaries; "" if out of range."""
    if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text):
        return _shorten(text[start:end].strip())
    return ""


def _paraphrased_pairs(evidence: dict[str, Any], source: str, target: str) -> list[_SideBySide]:
    """The stored sentence pairs a paraphrase rests on: the source's sentence, then the repeat's."""
    paraphrase = evidence.get("paraphrase")
    listed = paraphrase.get("pairs") if isinstance(paraphrase, dict) else None
    pairs = []
    for pair in listed if isinstance(listed, list) else []:
        if not isinstance(pair, dict):
            continue
        said = _sentence_at(source, pair.get("source_start"), pair.get("source_end"))
        repeated = _sentence_at(target, pair.get("target_start"), pair.get("target_end"))
        if said and repeated:
            pairs.append(_SideBySide(_Excerpt("", said, ""), _Excerpt("", repeated, "")))
    # Claim-based paraphrases keep the two claim sentences themselves.
    claims = evidence.get("claims")
    for claim in claims if isinstance(claims, list) and not pairs else []:
        sides = [
            claim.get(side) if isinstance(claim, dict) else None for side in ("source", "target")
        ]
        texts = [
            str(side.get("text") or "").strip() if isinstance(side, dict) else "" for side in sides
        ]
        if all(texts):
            pairs.append(
                _SideBySide(
                    _Excerpt("", _shorten(texts[0]), ""), _Excerpt("", _shorten(texts[1]), "")
                )
            )
    return pairs


def _evidence_view(
    edge: Edge, source: StoryArticle, target: StoryArticle, primary: bool
) -> dict[str, Any]:
    evidence = edge.evidence
    listed = evidence.get("passages")
    passages = [p for p in listed if isinstance(p, dict)] if isinstance(listed, list) else []
    sides = [
        _SideBySide(
            _excerpt(
                source.text, p.get("source_start"), p.get("source_end"), str(p.get("text", ""))
            ),
            _excerpt(
                target.text, p.get("target_start"), p.get("target_end"), str(p.get("text", ""))
            ),
        )
        for p in passages[:PASSAGES_SHOWN]
    ]
    credit = evidence.get("credit")
    credit_view = None
    if isinstance(credit, dict) and credit.get("phrase"):
        credit_view = _excerpt(
            target.text, credit.get("start"), credit.get("end"), str(credit["phrase"])
        )
    share = evidence.get("share")
    pairs = _paraphrased_pairs(evidence, source.text, target.text)
    return {
        "anchor": f"{source.id}-{target.id}-{edge.kind.value}",
        "source_outlet": source.outlet,
        "source_title": source.title,
        "source_url": source.url,
        "target_outlet": target.outlet,
        "target_title": target.title,
        "target_url": target.url,
        "kind": edge.kind.value.replace("_", " "),
        "primary": primary,
        "strength": number_text(edge.score, ".0%") or "unknown",
        "delay": duration_text((target.first_seen - source.first_seen).total_seconds()),
        "share": number_text(share, ".0%"),
        "credit": credit_view,
        "link_href": str(evidence.get("href") or ""),
        "link_anchor": str(evidence.get("anchor") or ""),
        "pairs": pairs[:PASSAGES_SHOWN],
        "more_pairs": max(0, len(pairs) - PASSAGES_SHOWN),
        "passages": sides,
        "more": max(0, len(passages) - PASSAGES_SHOWN),
    }


def _evidence(story: ClaimStory) -> list[dict[str, Any]]:
    by_id = {a.id: a for a in story.articles}
    views, seen = [], set()
    for edge in story.edges:
        source, target = by_id.get(edge.source_id), by_id.get(edge.target_id)
        if source is None or target is None:
            continue
        views.append(
            (
                target.first_seen,
                target.id,
                _evidence_view(edge, source, target, target.id not in seen),
            )
        )
        seen.add(target.id)
    views.sort(key=lambda item: (item[0], item[1]))
    return [view for _, _, view in views]


def _unresolved(story: ClaimStory) -> list[dict[str, Any]]:
    """Credits of outlets with no stored matching article: the edge goes to the outlet itself."""
    by_id = {a.id: a for a in story.articles}
    views = []
    for credit in story.unresolved:
        target = by_id.get(credit.article_id)
        if target is None:
            continue
        view = {
            "outlet": credit.outlet or credit.domain,
            "domain": credit.domain,
            "target_outlet": target.outlet,
            "target_title": target.title,
            "target_url": target.url,
            "phrase": credit.phrase,
        }
        views.append((target.first_seen, target.id, view))
    views.sort(key=lambda item: (item[0], item[1]))
    return [view for _, _, view in views]


# ---------------------------------------------------------------- page parts


def _count(value: int | None) -> str:
    return "—" if value is None else str(value)


def _figures(summary: StorySummary) -> list[dict[str, str]]:
    share = f"{summary.picked_up_share:.0%}" if summary.picked_up_share is not None else "—"
    outlets = summary.longest_chain_outlets
    if len(outlets) > CHAIN_SHOWN:
        outlets = (*outlets[:2], f"… {len(outlets) - 4} more …", *outlets[-2:])
    chain = " → ".join(outlets) or "—"
    return [
        {
            "value": str(summary.repeaters),
            "label": f"repeats by other outlets ({summary.outlets} outlets mention the claim)",
        },
        {
            "value": share,
            "label": "of judged repeats picked up the correction "
            f"({summary.picked_up} of {summary.judged})",
        }
        if summary.corrections
        else {"value": "—", "label": NO_CORRECTION},
        {
            "value": duration_text(summary.median_lag_seconds) or "—",
            "label": "median time from the first correction to uptake",
        },
        {
            "value": f"{_count(summary.reach_before)} → {summary.reach_now}",
            "label": "outlets spreading the claim just before the first correction → now",
        },
        {"value": str(summary.late), "label": "late repeats (after the correction)"},
        {
            "value": str(len(summary.longest_chain)),
            "label": f"articles in the longest chain: {chain}",
        },
    ]


def _legend() -> Markup:
    def swatch(shape: Markup) -> Markup:
        return element(
            "svg", shape, width="16", height="14", viewBox="0 0 16 14", aria_hidden="true"
        )

    items = []
    for stance in Stance:
        dot = element("circle", cx="8", cy="7", r="5", fill=STANCE_COLOURS[stance])
        items.append(Markup("<span>{}{}</span>").format(swatch(dot), stance.value))
    late = element(
        "circle", cx="8", cy="7", r="4.5", fill=UNKNOWN_COLOUR, stroke="#000", stroke_width="2"
    )
    items.append(Markup("<span>{}late repeat</span>").format(swatch(late)))
    for kind in UptakeKind:
        label = "still carries" if kind is UptakeKind.NONE else kind.value.replace("_", " ")
        items.append(
            Markup("<span>{}{}</span>").format(swatch(uptake_symbol(kind, 8, 7, 4.5)), label)
        )
    for edge_kind, (colour, dash) in EDGE_STYLES.items():
        line = element(
            "line",
            x1="0",
            y1="7",
            x2="16",
            y2="7",
            stroke=colour,
            stroke_width="2",
            stroke_dasharray=dash or None,
        )
        items.append(
            Markup("<span>{}{}</span>").format(swatch(line), edge_kind.value.replace("_", " "))
        )
    for correction_kind in CorrectionKind:
        line = element(
            "line",
            x1="8",
            y1="0",
            x2="8",
            y2="14",
            stroke=CORRECTION_COLOURS[correction_kind],
            stroke_width="2",
        )
        items.append(Markup("<span>{}{}</span>").format(swatch(line), correction_kind.value))
    return Markup("").join(items)


def _outlet_view(row: OutletRow) -> dict[str, Any]:
    states = []
    if row.still_carries:
        states.append("carries")
    if row.uptake not in (None, UptakeKind.NONE):
        states.append("picked")
    if row.late:
        states.append("late")
    uptake = row.uptake.value.replace("_", " ") if row.uptake else ""
    return {
        "key": row.outlet.casefold(),
        "outlet": row.outlet,
        "role": row.role,
        "first_seen": f"{row.first_seen:%Y-%m-%d %H:%M}",
        "stance": row.stance,
        "stance_colour": STANCE_COLOURS.get(Stance(row.stance), UNKNOWN_COLOUR),
        "sources": ", ".join(row.sources),
        "uptake": "still carries" if row.uptake is UptakeKind.NONE else uptake,
        "uptake_colour": UPTAKE_COLOURS[row.uptake] if row.uptake else UNKNOWN_COLOUR,
        "lag": duration_text(row.lag_seconds),
        "lag_value": "" if row.lag_seconds is None else f"{row.lag_seconds:.0f}",
        "late": "late" if row.late else "",
        "carries": "yes" if row.still_carries else "no",
        "state": " ".join(states),
    }


def _late_repeats(story: ClaimStory) -> list[dict[str, str]]:
    first = story.first_correction()
    by_id = {a.id: a for a in story.articles}
    rows = []
    for article in story.repeaters():
        if not article.late:
            continue
        sources = [
            by_id[e.source_id].outlet
            for e in story.edges
            if e.target_id == article.id and e.source_id in by_id
        ]
        after = (article.first_seen - first.published).total_seconds() if first else None
        rows.append(
            {
                "outlet": article.outlet,
                "url": article.url,
                "title": article.title,
                "first_seen": _time(article.first_seen),
                "after": duration_text(after),
                "sources": ", ".join(dict.fromkeys(sources)),
                "uptake": article.uptake.value.replace("_", " ") if article.uptake else "",
            }
        )
    return rows


def render_report(story: ClaimStory) -> str:
    """The whole report page for one claim."""
    summary = summarise(story)
    timeline = render_timeline(story)
    origin = story.origin()
    first = story.first_correction()
    corrections = [
        {"kind": c.kind.value, "published": _time(c.published), "url": c.url, "text": c.text}
        for c in sorted(story.corrections, key=lambda c: c.published)
    ]
    origin_view = None
    if origin is not None:
        origin_view = {
            "outlet": origin.outlet,
            "url": origin.url,
            "title": origin.title,
            "first_seen": _time(origin.first_seen),
        }
    page = (
        _environment()
        .get_template("report.html")
        .render(
            csp=content_security_policy(),
            style=Markup(_asset("report.css")),  # noqa: S704  (a file of this package)
            script=Markup(_asset("report.js")),  # noqa: S704  (a file of this package)
            version=VERSION,
            claim=story.claim,
            as_of=_time(summary.as_of),
            origin=origin_view,
            figures=_figures(summary),
            legend=_legend(),
            axis=timeline.axis,
            names=timeline.names,
            lanes=timeline.lanes,
            lane_count=timeline.lane_count,
            dense=timeline.dense,
            corrections=corrections,
            first_correction=_time(first.published) if first else "",
            outlets=[_outlet_view(row) for row in outlet_rows(story)],
            late=_late_repeats(story),
            evidence=_evidence(story),
            unresolved=_unresolved(story),
            evidence_open=len(story.edges) <= OPEN_EVIDENCE,
        )
    )
    # Control characters from a bad page are no text; in the inline SVG they would be errors.
    return remove_control_chars(page)
