"""The report's timeline as inline SVG: one lane per outlet, time across (pure).

Each repeat is a dot at its first-seen time, coloured by its stance; a thin bar behind it shows
the stance version by version; an arrow runs from each source to its repeater; a symbol marks
the uptake of the correction; vertical lines mark corrections and rebuttals. With many outlets
the lanes get thinner, inline text labels give way to tooltips (`<title>`), and the page
scrolls the lanes under a fixed time axis. Every text passes through markupsafe's escaping.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from markupsafe import Markup, escape

from tracker.domain import CorrectionKind, EdgeKind, Stance, UptakeKind
from tracker.domain.story import ClaimStory, StoryArticle
from tracker.export.graph import outlet_rows, story_end, uptake_time

__all__ = [
    "CORRECTION_COLOURS",
    "EDGE_STYLES",
    "STANCE_COLOURS",
    "UNKNOWN_COLOUR",
    "UPTAKE_COLOURS",
    "Timeline",
    "duration_text",
    "element",
    "number_text",
    "render_timeline",
    "uptake_symbol",
]

# Okabe-Ito hues (told apart by readers with the common colour-vision deficiencies), the light
# ones darkened so that every mark has at least 3:1 contrast on the white page (WCAG 1.4.11).
UNKNOWN_COLOUR = "#808080"
STANCE_COLOURS = {
    Stance.ASSERTS: "#D55E00",
    Stance.ATTRIBUTES: "#B07800",
    Stance.DISPUTES: "#009E73",
    None: UNKNOWN_COLOUR,  # the version no longer mentions the claim
}
UPTAKE_COLOURS = {
    UptakeKind.EDITED: "#0072B2",
    UptakeKind.NOTED: "#3D8BD0",
    UptakeKind.FOLLOWED_UP: "#C0609A",
    UptakeKind.TAKEN_DOWN: "#222222",
    UptakeKind.NONE: "#D55E00",
}
CORRECTION_COLOURS = {
    CorrectionKind.CORRECTION: "#1F4E79",
    CorrectionKind.REBUTTAL: "#7B2D8B",
    CorrectionKind.RETRACTION: "#222222",
}
EDGE_STYLES: dict[EdgeKind, tuple[str, str]] = {  # colour, dash pattern
    EdgeKind.COPIES: ("#4D4D4D", ""),
    EdgeKind.COMMON_SOURCE: ("#117733", "8 3 2 3"),
    EdgeKind.CREDITS: ("#0072B2", "6 3"),
    EdgeKind.LINKS_TO: ("#332288", ""),
    EdgeKind.PARAPHRASES: ("#7F7F7F", "2 3"),
}

WIDTH = 1160  # the outlet names' column and the plot together
LABEL_WIDTH = 230  # the outlet names: an HTML column that stays put while the plot scrolls
PLOT_WIDTH = WIDTH - LABEL_WIDTH
RIGHT_MARGIN = 110  # room for the inline uptake labels past the last event
DENSE_LANES = 40  # above this many outlets: thin lanes, labels only as tooltips
_TICK_STEPS_HOURS = (1, 2, 3, 6, 12, 24, 48, 72, 168, 336, 720)
_MAX_TICKS = 12


def element(name: str, content: object = None, /, **attributes: object) -> Markup:
    """An SVG/HTML element; `class_` gives class, `data_x` gives data-x, None leaves it out."""
    parts = "".join(
        f' {key.rstrip("_").replace("_", "-")}="{escape(value)}"'
        for key, value in attributes.items()
        if value is not None
    )
    # The name and attribute names are literals of this package; every value is escaped above.
    if content is None:
        return Markup(f"<{name}{parts}/>")  # noqa: S704
    return Markup(f"<{name}{parts}>{escape(content)}</{name}>")  # noqa: S704


def _join(parts: Sequence[Markup]) -> Markup:
    return Markup("").join(parts)


def duration_text(seconds: float | None) -> str:
    """'14 h', '2 d 3 h', '35 min', '-3 h'; an empty string for None."""
    if seconds is None or not math.isfinite(seconds):
        return ""
    sign = "-" if seconds < 0 else ""
    minutes = round(abs(seconds) / 60)
    if minutes < 60:
        return f"{sign}{minutes} min"
    hours = round(minutes / 60)
    if hours < 48:
        return f"{sign}{hours} h"
    return f"{sign}{hours // 24} d {hours % 24} h" if hours % 24 else f"{sign}{hours // 24} d"


def number_text(value: object, spec: str = ".2f") -> str:
    """A number formatted by `spec`; an empty string for anything else, NaN or infinity."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return ""
    return format(value, spec)


def uptake_symbol(kind: UptakeKind, x: float, y: float, size: float) -> Markup:
    """The uptake mark: square edited, triangle noted, diamond follow-up, cross taken down."""
    colour = UPTAKE_COLOURS[kind]
    s = size
    if kind is UptakeKind.EDITED:
        return element(
            "rect", x=_n(x - s), y=_n(y - s), width=_n(2 * s), height=_n(2 * s), fill=colour
        )
    if kind is UptakeKind.NOTED:
        points = (
            f"{_n(x)},{_n(y - s * 1.2)} {_n(x + s * 1.1)},{_n(y + s)} {_n(x - s * 1.1)},{_n(y + s)}"
        )
        return element("polygon", points=points, fill=colour)
    if kind is UptakeKind.FOLLOWED_UP:
        t = s * 1.3
        points = f"{_n(x)},{_n(y - t)} {_n(x + t)},{_n(y)} {_n(x)},{_n(y + t)} {_n(x - t)},{_n(y)}"
        return element("polygon", points=points, fill=colour)
    if kind is UptakeKind.TAKEN_DOWN:
        left, right, top, bottom = _n(x - s), _n(x + s), _n(y - s), _n(y + s)
        d = f"M{left},{top}L{right},{bottom}M{left},{bottom}L{right},{top}"
        return element("path", d=d, stroke=colour, stroke_width="2.2", fill="none")
    return element(
        "circle", cx=_n(x), cy=_n(y), r=_n(s), fill="#fff", stroke=colour, stroke_width="2"
    )


def _n(value: float) -> str:
    return f"{value:.1f}"


@dataclass(frozen=True, slots=True)
class Timeline:
    """The parts: the fixed time axis with the correction labels, the outlet names, the lanes."""

    axis: Markup
    names: Markup  # an HTML list, one item per lane, beside the lanes (sticky on narrow screens)
    lanes: Markup
    lane_count: int
    dense: bool


class _Scale:
    """Time to x, over the story's span."""

    def __init__(self, start: datetime, end: datetime) -> None:
        self.start, self.end = start, max(end, start + timedelta(hours=1))
        self.left, self.right = 14, PLOT_WIDTH - RIGHT_MARGIN

    def x(self, moment: datetime) -> float:
        share = (moment - self.start) / (self.end - self.start)
        return self.left + share * (self.right - self.left)

    def ticks(self) -> list[datetime]:
        span_hours = (self.end - self.start).total_seconds() / 3600
        step = next((h for h in _TICK_STEPS_HOURS if span_hours / h <= _MAX_TICKS), 720)
        first = self.start.replace(minute=0, second=0, microsecond=0)
        if step >= 24:
            first = first.replace(hour=0)
        else:
            first = first.replace(hour=first.hour - first.hour % step)
        moments, moment = [], first
        while moment <= self.end:
            if moment >= self.start:
                moments.append(moment)
            moment += timedelta(hours=step)
        return moments


def _tooltip(story: ClaimStory, article: StoryArticle) -> str:
    lines = [article.outlet, article.title, f"first seen {article.first_seen:%Y-%m-%d %H:%M} UTC"]
    lines.append(f"stance: {article.stance.value}")
    if article.uptake is not None:
        lag = duration_text(article.known_lag)
        lines.append(
            f"uptake: {article.uptake.value}" + (f" ({lag} after the correction)" if lag else "")
        )
    if article.late:
        lines.append("LATE: first repeated after the correction")
    if article.taken_down_at is not None:
        lines.append(f"taken down {article.taken_down_at:%Y-%m-%d %H:%M} UTC")
    return "\n".join(lines)


def _axis(scale: _Scale, story: ClaimStory) -> Markup:
    corrections = sorted(story.corrections, key=lambda c: c.published)
    rows = 2 if len(corrections) > 1 else 1
    height = 26 + 16 * max(rows, 1) + 8
    parts = [element("rect", x="0", y="0", width=str(PLOT_WIDTH), height=str(height), fill="#fff")]
    dense_ticks = scale.ticks()
    for moment in dense_ticks:
        x = scale.x(moment)
        label = f"{moment:%a %d %b}" if moment.hour == 0 else f"{moment:%H:%M}"
        parts.append(element("line", x1=_n(x), x2=_n(x), y1="16", y2=str(height), stroke="#ccc"))
        parts.append(element("text", label, x=_n(x), y="12", class_="tick", text_anchor="middle"))
    for index, correction in enumerate(corrections):
        x = scale.x(correction.published)
        colour = CORRECTION_COLOURS[correction.kind]
        y = 32 + 16 * (index % rows)
        label = f"{correction.kind.value} {correction.published:%d %b %H:%M}"
        parts.append(
            element(
                "line", x1=_n(x), x2=_n(x), y1="18", y2=str(height), stroke=colour, stroke_width="2"
            )
        )
        anchor = "end" if x > PLOT_WIDTH - 160 else "start"
        dx = -4 if anchor == "end" else 4
        parts.append(
            element(
                "text",
                label,
                x=_n(x + dx),
                y=str(y),
                fill=colour,
                class_="marker-label",
                text_anchor=anchor,
            )
        )
    return element(
        "svg",
        _join(parts),
        xmlns="http://www.w3.org/2000/svg",
        width=str(PLOT_WIDTH),
        height=str(height),
        viewBox=f"0 0 {PLOT_WIDTH} {height}",
        role="img",
        aria_label="time axis with corrections",
        id="timeline-axis",
    )


def _spells(article: StoryArticle, end: datetime) -> list[tuple[datetime, datetime, Stance | None]]:
    stop = min(article.taken_down_at or end, end)
    history = [change for change in article.history() if change.at < stop]
    return [
        (
            max(change.at, article.first_seen),
            history[i + 1].at if i + 1 < len(history) else stop,
            change.stance,
        )
        for i, change in enumerate(history)
    ]


class _Layout:
    """Where things go: the time scale, one lane per outlet, sizes for sparse or dense stories."""

    def __init__(self, story: ClaimStory) -> None:
        self.rows = outlet_rows(story)
        self.dense = len(self.rows) > DENSE_LANES
        self.lane = 16.0 if self.dense else 30.0
        self.radius = 3.6 if self.dense else 5.5
        self.end = story_end(story)
        moments = [a.first_seen for a in story.articles] + [c.published for c in story.corrections]
        self.scale = _Scale(min(moments, default=self.end) - timedelta(hours=2), self.end)
        self.lane_of = {row.outlet: index for index, row in enumerate(self.rows)}
        self.height = int(self.lane * len(self.rows)) + 4

    def y(self, article: StoryArticle) -> float:
        return 2 + self.lane * self.lane_of[article.outlet] + self.lane / 2


def _names(layout: _Layout) -> Markup:
    """The outlet names, one list item per lane, striped like the lanes (sizes in the CSS)."""
    items = []
    for row in layout.rows:
        label = row.outlet if len(row.outlet) <= 32 else row.outlet[:31] + "…"
        items.append(
            element(
                "li", label, title=row.outlet, class_="lane-name", data_outlet=row.outlet.casefold()
            )
        )
    return element("ol", _join(items), class_="lane-names dense" if layout.dense else "lane-names")


def _backgrounds(layout: _Layout, story: ClaimStory) -> list[Markup]:
    """Lane stripes (the full outlet name as a tooltip), tick lines, and the correction lines."""
    parts = []
    for index, row in enumerate(layout.rows):
        top = 2 + layout.lane * index
        stripe = element(
            "rect",
            x="0",
            y=_n(top),
            width=str(PLOT_WIDTH),
            height=_n(layout.lane),
            fill="#f6f7f9" if index % 2 else "#ffffff",
        )
        parts.append(
            element(
                "g",
                _join([element("title", row.outlet), stripe]),
                class_="lane",
                data_outlet=row.outlet.casefold(),
            )
        )
    for tick in layout.scale.ticks():
        x = _n(layout.scale.x(tick))
        parts.append(element("line", x1=x, x2=x, y1="0", y2=str(layout.height), stroke="#e3e3e3"))
    for correction in story.corrections:
        x = _n(layout.scale.x(correction.published))
        dashed = correction.kind is not CorrectionKind.CORRECTION
        parts.append(
            element(
                "line",
                x1=x,
                x2=x,
                y1="0",
                y2=str(layout.height),
                stroke=CORRECTION_COLOURS[correction.kind],
                stroke_width="2",
                stroke_dasharray="5 3" if dashed else None,
                class_="correction-line",
            )
        )
    return parts


def _arrows(layout: _Layout, story: ClaimStory) -> list[Markup]:
    """A curved arrow from each source to its repeater; the immediate source's is stronger."""
    by_id = {a.id: a for a in story.articles}
    seen_targets: set[int] = set()
    parts = []
    for edge in story.edges:
        source, target = by_id.get(edge.source_id), by_id.get(edge.target_id)
        if source is None or target is None:
            continue
        primary = target.id not in seen_targets
        seen_targets.add(target.id)
        x1, y1 = layout.scale.x(source.first_seen), layout.y(source)
        x2, y2 = layout.scale.x(target.first_seen) - layout.radius - 1, layout.y(target)
        # Leave the source downwards (or upwards), arrive from the left: readable when many
        # repeats follow one source within minutes.
        reach = min(60.0, max(8.0, (x2 - x1) / 2))
        colour, dash = EDGE_STYLES[edge.kind]
        if layout.dense:
            width, opacity = ("0.8", "0.28") if primary else ("0.6", "0.12")
        else:
            width, opacity = ("1.4", "0.85") if primary else ("1", "0.35")
        title = f"{target.outlet} took from {source.outlet}: {edge.kind.value}"
        parts.append(
            element(
                "path",
                element("title", f"{title} (evidence strength {number_text(edge.score, '.0%')})"),
                d=f"M{_n(x1)},{_n(y1)} C{_n(x1)},{_n(y1 + (y2 - y1) * 0.6)} "
                f"{_n(x2 - reach)},{_n(y2)} {_n(x2)},{_n(y2)}",
                fill="none",
                stroke=colour,
                stroke_width=width,
                stroke_dasharray=dash or None,
                stroke_opacity=opacity,
                marker_end=f"url(#arrow-{edge.kind.value})",
                class_="edge",
                data_source=str(source.id),
                data_target=str(target.id),
                data_outlet=f"{source.outlet.casefold()}\n{target.outlet.casefold()}",
            )
        )
    return parts


def _article_marks(layout: _Layout, story: ClaimStory) -> tuple[list[Markup], list[Markup]]:
    """Stance bars, uptake symbols and labels (behind the arrows), and the dots (in front)."""
    marks, dots = [], []
    scale, radius = layout.scale, layout.radius
    for article in sorted(story.articles, key=lambda a: (a.first_seen, a.id)):
        cy = layout.y(article)
        for begin, until, stance in _spells(article, layout.end):
            x1, x2 = scale.x(begin), scale.x(until)
            marks.append(
                element(
                    "rect",
                    x=_n(x1),
                    y=_n(cy - 2),
                    width=_n(max(x2 - x1, 1.0)),
                    height="4",
                    fill=STANCE_COLOURS[stance],
                    fill_opacity="0.35",
                )
            )
        picked = uptake_time(story, article)
        label, label_x = "", 0.0
        if article.uptake not in (None, UptakeKind.NONE) and picked is not None:
            assert article.uptake is not None
            marks.append(uptake_symbol(article.uptake, scale.x(picked), cy, radius * 0.85))
            kind = article.uptake.value.replace("_", " ")
            label, label_x = f"{kind} {duration_text(article.known_lag)}", scale.x(picked)
        elif article.uptake is UptakeKind.NONE:
            marks.append(uptake_symbol(UptakeKind.NONE, scale.right + 6, cy, radius * 0.7))
            label, label_x = "still carries", scale.right + 6
        gone = article.taken_down_at
        if gone is not None and article.uptake is not UptakeKind.TAKEN_DOWN:
            marks.append(uptake_symbol(UptakeKind.TAKEN_DOWN, scale.x(gone), cy, radius * 0.85))
        if label and not layout.dense:
            x = _n(label_x + radius + 3)
            marks.append(element("text", label, x=x, y=_n(cy + 4), class_="uptake-label"))
        tooltip = _tooltip(story, article)
        dots.append(
            element(
                "circle",
                element("title", tooltip),
                cx=_n(scale.x(article.first_seen)),
                cy=_n(cy),
                r=_n(radius),
                fill=STANCE_COLOURS[article.stance],
                stroke="#000" if article.late else "#fff",
                stroke_width="2.2" if article.late else "1",
                class_="repeat late" if article.late else "repeat",
                data_node=str(article.id),
                data_outlet=article.outlet.casefold(),
                # Reachable by keyboard: the page shows the details of the dot in focus.
                tabindex="0",
                aria_label=tooltip.replace("\n", "; "),
            )
        )
    return marks, dots


def _arrowheads() -> Markup:
    return _join(
        [
            element(
                "marker",
                element("path", d="M0,0 L8,4 L0,8 z", fill=colour),
                id=f"arrow-{kind.value}",
                viewBox="0 0 8 8",
                refX="7",
                refY="4",
                markerWidth="6",
                markerHeight="6",
                orient="auto-start-reverse",
            )
            for kind, (colour, _) in EDGE_STYLES.items()
        ]
    )


def render_timeline(story: ClaimStory) -> Timeline:
    """The timeline of one claim, ready to embed in the report."""
    layout = _Layout(story)
    marks, dots = _article_marks(layout, story)
    parts = [element("defs", _arrowheads()), *_backgrounds(layout, story), *marks]
    parts += [*_arrows(layout, story), *dots]
    lanes = element(
        "svg",
        _join(parts),
        xmlns="http://www.w3.org/2000/svg",
        width=str(PLOT_WIDTH),
        height=str(layout.height),
        viewBox=f"0 0 {PLOT_WIDTH} {layout.height}",
        role="group",  # not "img": its dots are focusable, with their own labels
        aria_label=f"timeline of {len(layout.rows)} outlets",
        id="timeline-lanes",
    )
    axis = _axis(layout.scale, story)
    return Timeline(
        axis=axis,
        names=_names(layout),
        lanes=lanes,
        lane_count=len(layout.rows),
        dense=layout.dense,
    )
