"""Claim stories for tests and screenshots: the demo story's truth, and a generated story.

Neither comes from the store: `demo_like_story` turns the demo manifest's expected answers into a
`ClaimStory` (with evidence computed by the real alignment and credit finders), and
`generated_story` makes a seeded story of any size for testing the report at scale.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from tracker.demo.corpus import Corpus, DemoArticle, load_corpus
from tracker.domain import Claim, Correction, CorrectionKind, Edge, EdgeKind, Stance, UptakeKind
from tracker.domain.story import ClaimStory, StanceAt, StoryArticle, main_stance
from tracker.linking.align import align_texts
from tracker.linking.credits import find_credits

__all__ = ["demo_like_story", "generated_story"]

_MIN_PASSAGE_WORDS = 8
_PARAPHRASE_SCORE = 0.62  # a plausible matcher score; the demo truth names no number


def _url(corpus: Corpus, article: DemoArticle) -> str:
    return f"https://{corpus.outlet(article.outlet).host}{article.path}"


def _uptake_event(corpus: Corpus, article: DemoArticle, claim: str) -> datetime | None:
    """When the demo article picked the correction of `claim` up, by its expected uptake."""
    kind = article.truth.uptake.get(claim)
    if kind is UptakeKind.TAKEN_DOWN:
        return article.taken_down_at
    if kind is UptakeKind.FOLLOWED_UP:
        follow = [a for a in corpus.articles if a.truth.follows_up == article.id]
        return min((a.served_from for a in follow), default=None)
    if kind in (UptakeKind.EDITED, UptakeKind.NOTED):
        first = article.versions[0].stances_of(claim)
        changed = [v for v in article.versions[1:] if v.stances_of(claim) != first]
        return changed[0].starts_at if changed else None
    return None


def _evidence(
    corpus: Corpus, kind: EdgeKind, source: DemoArticle, target: DemoArticle
) -> tuple[float, dict[str, object]]:
    """A score and evidence like the linker's, computed on the demo texts."""
    source_text, target_text = source.versions[0].plain_text, target.versions[0].plain_text
    evidence: dict[str, object] = {"kinds": [kind.value]}
    score = 1.0
    alignment = align_texts(source_text, target_text, _MIN_PASSAGE_WORDS)
    if alignment.passages:
        share = alignment.shared_words / max(alignment.target_words, 1)
        evidence["share"] = round(share, 4)
        evidence["shared_words"] = alignment.shared_words
        evidence["passages"] = [
            {
                "source_start": p.source_start,
                "source_end": p.source_end,
                "target_start": p.target_start,
                "target_end": p.target_end,
                "text": p.text,
            }
            for p in alignment.passages
        ]
        if kind in (EdgeKind.COPIES, EdgeKind.COMMON_SOURCE):
            score = round(share, 4)
    if kind is EdgeKind.CREDITS:
        outlet = corpus.outlet(source.outlet).to_domain()
        credits = find_credits(target_text, [outlet])
        if credits:
            credit = credits[0]
            evidence["credit"] = {
                "phrase": credit.phrase,
                "cue": credit.cue,
                "start": credit.start,
                "end": credit.end,
                "outlet": outlet.domain,
            }
    if kind is EdgeKind.LINKS_TO:
        anchors = [link.text for link in target.versions[0].links if link.target == source.id]
        evidence["href"] = _url(corpus, source)
        evidence["anchor"] = anchors[0] if anchors else ""
    if kind is EdgeKind.PARAPHRASES:
        score = _PARAPHRASE_SCORE
        evidence["paraphrase"] = {"score": score, "pairs": []}
    return score, evidence


def demo_like_story(claim_slug: str = "ai-code", corpus: Corpus | None = None) -> ClaimStory:
    """The demo story's truth about one claim as a `ClaimStory` (article ids count from 1)."""
    corpus = corpus or load_corpus()
    claim = corpus.claim(claim_slug)
    ids = {article.id: index + 1 for index, article in enumerate(corpus.articles)}
    corrections = corpus.corrections_of(claim_slug)
    earliest = corrections[0].at if corrections else None
    repeaters = {a.id for a in corpus.repeaters(claim_slug)}
    included: dict[str, DemoArticle] = {}
    articles: list[StoryArticle] = []
    for article in corpus.articles:
        history = [
            StanceAt(v.starts_at, main_stance(v.stances_of(claim_slug))) for v in article.versions
        ]
        first = next((change.stance for change in history if change.stance is not None), None)
        if first is None:
            continue
        included[article.id] = article
        uptake = article.truth.uptake.get(claim_slug) if article.id in repeaters else None
        event = _uptake_event(corpus, article, claim_slug)
        lag = (event - earliest).total_seconds() if event and earliest and uptake else None
        outlet = corpus.outlet(article.outlet)
        articles.append(
            StoryArticle(
                id=ids[article.id],
                url=_url(corpus, article),
                outlet=outlet.name,
                outlet_domain=outlet.host,
                title=article.title,
                first_seen=article.served_from,
                published=article.published_at,
                stance=first,
                uptake=uptake if earliest is not None else None,
                lag_seconds=lag,
                late=article.truth.late,
                taken_down_at=article.taken_down_at,
                stances=tuple(history),
                text=article.versions[0].plain_text,
            )
        )
    edges = []
    for article in included.values():
        for expected in article.truth.edges:
            source = included.get(expected.source)
            if source is None:
                continue
            score, evidence = _evidence(corpus, expected.kind, source, article)
            edges.append(Edge(ids[source.id], ids[article.id], expected.kind, score, evidence))
    story_corrections = []
    for correction in corrections:
        by = corpus.article(correction.article)
        version = by.version_at(correction.at) or by.versions[-1]
        story_corrections.append(
            Correction(
                claim_slug=claim_slug,
                kind=correction.kind,
                published=correction.at,
                url=_url(corpus, by),
                text=version.jsonld_correction or version.summary,
            )
        )
    origin = corpus.article(claim.origin)
    return ClaimStory(
        claim=Claim(claim.slug, claim.text, _url(corpus, origin)),
        articles=tuple(articles),
        edges=tuple(edges),
        corrections=tuple(story_corrections),
        as_of=corpus.end,
        origin_id=ids[origin.id],
    )


# ---------------------------------------------------------------- a generated story

_ADJECTIVES = (
    "Northern Coastal Valley Evening Morning Daily Weekly Civic Harbor River Mountain Prairie "
    "Capital Metro County Lakeside Western Eastern Southern Central Independent Free Union"
).split()
_NOUNS = (
    "Ledger Courier Gazette Herald Post Times Tribune Chronicle Review Observer Sentinel Digest "
    "Dispatch Bulletin Journal Record Register Star Mirror Wire Monitor Standard Examiner"
).split()
_WORDS = (
    "the report said engineers outage checkout code retailer review change deploy system team "
    "customers sellers week failure cloud division statement company tool assistant written"
).split()
_KIND_WEIGHTS = (
    (EdgeKind.COPIES, 35),
    (EdgeKind.CREDITS, 20),
    (EdgeKind.LINKS_TO, 15),
    (EdgeKind.PARAPHRASES, 20),
    (EdgeKind.COMMON_SOURCE, 10),
)
_UPTAKE_WEIGHTS = (
    (UptakeKind.NONE, 45),
    (UptakeKind.EDITED, 25),
    (UptakeKind.NOTED, 15),
    (UptakeKind.FOLLOWED_UP, 8),
    (UptakeKind.TAKEN_DOWN, 7),
)


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(8, 16))]
    return " ".join(words).capitalize() + "."


def _pick(rng: random.Random, weighted: tuple[tuple[object, int], ...]) -> object:
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def generated_story(outlets: int = 300, seed: int = 7, hours: float = 168.0) -> ClaimStory:
    """A seeded story: one origin, `outlets - 1` repeaters over a week, a correction, a rebuttal."""
    rng = random.Random(seed)
    slug = "generated-claim"
    start = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    correction_at, rebuttal_at = start + timedelta(hours=72), start + timedelta(hours=84)
    names = [
        f"{rng.choice(_ADJECTIVES)} {rng.choice(_NOUNS)} {index:03d}" for index in range(outlets)
    ]
    names[0] = "The Origin Ledger"
    offsets = sorted(min(rng.expovariate(1 / 22.0), hours - 4) for _ in range(outlets - 1))
    texts: dict[int, str] = {}
    articles: list[StoryArticle] = []
    edges: list[Edge] = []
    next_id = 1

    def add(article: StoryArticle) -> None:
        nonlocal next_id
        articles.append(article)
        next_id += 1

    origin_text = " ".join(_sentence(rng) for _ in range(6))
    texts[1] = origin_text
    add(
        StoryArticle(
            id=1,
            url="https://origin.test/2026/03/02/claim",
            outlet=names[0],
            title="Engineers say AI-written code caused the checkout outages",
            first_seen=start,
            published=start,
            stance=Stance.ASSERTS,
            text=origin_text,
            outlet_domain="origin.test",
        )
    )
    for index, offset in enumerate(offsets, start=1):
        seen = start + timedelta(hours=offset + 0.25)
        article_id = next_id
        earlier = [a for a in articles if a.first_seen < seen and a.stance is not Stance.DISPUTES]
        source = earlier[0] if rng.random() < 0.45 else rng.choice(earlier)
        kind = _pick(rng, _KIND_WEIGHTS)
        assert isinstance(kind, EdgeKind)
        source_text = texts[source.id]
        cut = source_text.rfind(" ", 0, rng.randint(len(source_text) // 3, len(source_text)))
        borrowed = source_text[: cut if cut > 0 else len(source_text)]
        own = " ".join(_sentence(rng) for _ in range(2))
        text = f"{own} {borrowed}"
        texts[article_id] = text
        evidence: dict[str, object] = {"kinds": [kind.value]}
        score = 1.0
        if kind in (EdgeKind.COPIES, EdgeKind.COMMON_SOURCE):
            score = round(len(borrowed) / len(text), 4)
            evidence["share"] = score
            evidence["passages"] = [
                {
                    "source_start": 0,
                    "source_end": len(borrowed),
                    "target_start": len(own) + 1,
                    "target_end": len(text),
                    "text": borrowed,
                }
            ]
        elif kind is EdgeKind.CREDITS:
            evidence["credit"] = {"phrase": f"according to {source.outlet}", "cue": "according_to"}
        elif kind is EdgeKind.LINKS_TO:
            evidence["href"], evidence["anchor"] = source.url, "reported"
        else:
            score = round(rng.uniform(0.5, 0.9), 4)
            evidence["paraphrase"] = {"score": score, "pairs": []}
        late = seen > correction_at
        uptake = UptakeKind.NONE if late else _pick(rng, _UPTAKE_WEIGHTS)
        assert isinstance(uptake, UptakeKind)
        lag: float | None = None
        history = [StanceAt(seen, rng.choice((Stance.ASSERTS, Stance.ASSERTS, Stance.ATTRIBUTES)))]
        taken_down: datetime | None = None
        follow_up_at: datetime | None = None
        if uptake is not UptakeKind.NONE:
            at = max(correction_at + timedelta(hours=rng.expovariate(1 / 20.0)), seen)
            lag = (at - correction_at).total_seconds()
            if uptake is UptakeKind.TAKEN_DOWN:
                taken_down = at
            elif uptake is UptakeKind.FOLLOWED_UP:
                follow_up_at = at
            else:
                history.append(StanceAt(at, Stance.DISPUTES))
        host = f"outlet{index:03d}.test"
        add(
            StoryArticle(
                id=article_id,
                url=f"https://{host}/news/{article_id}",
                outlet=names[index],
                outlet_domain=host,
                title=f"{names[index]} repeats: AI-written code behind checkout outages",
                first_seen=seen,
                published=seen,
                stance=history[0].stance or Stance.ASSERTS,
                uptake=uptake,
                lag_seconds=lag,
                late=late,
                taken_down_at=taken_down,
                stances=tuple(history),
                text=text,
            )
        )
        edges.append(Edge(source.id, article_id, kind, score, evidence))
        if follow_up_at is not None:
            add(
                StoryArticle(
                    id=next_id,
                    url=f"https://{host}/news/{next_id}",
                    outlet=names[index],
                    outlet_domain=host,
                    title=f"{names[index]}: company denies AI code caused outages",
                    first_seen=follow_up_at,
                    stance=Stance.DISPUTES,
                )
            )
    return ClaimStory(
        claim=Claim(slug, "AI-written code caused the checkout outages.", articles[0].url),
        articles=tuple(articles),
        edges=tuple(edges),
        corrections=(
            Correction(
                "generated-claim", CorrectionKind.CORRECTION, correction_at, articles[0].url
            ),
            Correction("generated-claim", CorrectionKind.REBUTTAL, rebuttal_at, None, "Denied."),
        ),
        as_of=start + timedelta(hours=hours),
        origin_id=1,
    )
