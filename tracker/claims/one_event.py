"""One claim, one event: drop the carriers that report another event of the same kind.

A sentence, or a whole article found by same-event expansion, can match another event of the
same kind as well (another rehab stay of the same star, another patch of the same browser): the
same people, places and wording. Free-text who-repeated and the claims stage keep to one event
by this one rule, so a claim asked by its slug and by its text gets one answer.

The article stating the claim best (the anchor) says which event the claim is about. One event
score (`tracker.text.specifics`) against the anchor alone is noisy, so the event is read from
several articles on each side:

- the claim's event: the anchor and the carriers (best stated first; of equal statements, the
  closest to the anchor first, so the order a crawl stored them in does not decide) whose event
  score against it is at least `CORE_MIN`, at most `CORE_SIZE` of them;
- the other event: at most `OTHERS_SIZE` carriers far from the claim's event, first those whose
  score against the anchor is below `OTHER_MAX` (best stated first), then, when the claim's
  event has a sure member besides the anchor, those whose mean score against it is below
  `OTHER_CORE_MAX` (farthest first). Left out: any that scores `CORE_MIN` against another
  sure member of the claim's event, of the core or not (a carrier scoring `CORE_MIN` against the
  anchor; the anchor alone can be the odd one, a first report rich in names its repeats leave
  out, and a carrier that close to a sure member is surely of its event), and any
  that no other far carrier scores `CORE_MIN` against: another event is two reports that surely
  agree, not one odd report (a follow-up, a column) of the claim's own event. The other event
  is absent when no such carriers are found.

A carrier is kept when its mean event score against the claim's event is at least
`OTHER_EVENT_BELOW` and not below its mean score against the other event; when there is no other
event, also when it scores `CORE_MIN` against `JOIN_LINKS` kept carriers (surely of their event:
the anchor may be the odd report, which no carrier is sure of). The minimums suit the
event score of `tracker.text.specifics` (fit on the ECB+ development topics), whose scores are
mostly near 0 or 1: of the ordered pairs of one topic there, none of different events scores 0.97
or more (50 of 6,002 reach 0.9), and 93% of those below 0.25 are of different events.
Who-repeated precision / recall on the dev scenario (`../shared/scenario/dev`, one crawled run
scored again) and on ECB+ (`benchmarks/one_event.py --sweep`, all topics): core >= 0.9, other
< 0.2, kept >= 0.4 (the minimums fit to the former score) 0.957 / 0.829 and 0.916 / 0.939; core
0.97, other 0.15 0.908 / 0.820 and 0.904 / 0.931; 0.2 0.952 / 0.825 and 0.919 / 0.935; 0.25
0.962 / 0.825 and 0.936 / 0.920 (shipped); 0.3 0.968 / 0.829 and 0.936 / 0.918. With the
former score the shipped minimums were 0.9 / 0.2 / 0.4: 0.918 / 0.825 on the dev scenario,
the anchor alone 0.833 / 0.829. Leaving the core's near carriers out of the other event: ECB+
0.934 / 0.918 -> 0.935 / 0.939 (odd topics 0.909 / 0.937 -> 0.910 / 0.943, even 0.981 / 0.886
-> 0.982 / 0.932), the dev scenario (one crawled run scored again) 0.956 / 0.806 -> 0.957 / 0.825.
The other event read from the mean against the core and corroborated (2026-12-07): ECB+ 0.933 /
0.939 -> 0.980 / 0.941, the dev scenario (one crawled home scored again) 0.942 / 0.899 -> 0.965 /
0.899, its claims swapped for each topic's other event (`benchmarks/scenario.py --swapped`, never
tuned on before) 0.891 / 0.777 -> 0.943 / 0.784; `docs/benchmarks.md` has the sweep. Every sure
member of the claim's event read to leave carriers out of the other event, and carriers joining
two kept ones (2026-12-07, after event-level negations stopped counting as disputes): the dev
scenario 0.961 / 0.908 unchanged, swapped 0.944 / 0.802 -> 0.945 / 0.817, ECB+ unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from itertools import repeat
from operator import mul

from tracker.domain import VersionRef
from tracker.text.profile import ReadyProfile, headline_and_body, profile_of, term_norm
from tracker.text.specifics import PreparedSpecifics, Specifics, prepared_event_score

__all__ = [
    "CORE_MIN",
    "CORE_SIZE",
    "FAR_READ",
    "JOIN_LINKS",
    "OTHERS_SIZE",
    "OTHER_CORE_MAX",
    "OTHER_EVENT_BELOW",
    "OTHER_MAX",
    "STATEMENT_MIN",
    "EventText",
    "anchor_of",
    "event_text",
    "one_event",
]

# Below this mean event score against the claim's event, a carrier reports another event (with
# core 0.97 and other 0.25: 0.35 0.952 / 0.825, 0.4 0.962 / 0.825, 0.45 0.962 / 0.820 on the dev
# scenario; ECB+ 0.931 / 0.929, 0.936 / 0.920, 0.941 / 0.912).
OTHER_EVENT_BELOW = 0.4
# A carrier this close to the anchor surely reports its event: no pair of different events of
# the ECB+ development topics scores this much (at 0.9, 0.8% of them did: a hard negative of the
# same wording joined the claim's event).
CORE_MIN = 0.97
CORE_SIZE = 5  # the anchor and up to four such carriers
# A carrier this far from the anchor surely reports another event: the middle of the dev
# scenario's plateau (0.2-0.3 hold precision >= 0.95; 0.15 falls to 0.908).
OTHER_MAX = 0.25
OTHERS_SIZE = 3
# A carrier whose mean score against a claim's event of two or more sure members (the anchor
# and at least one carrier scoring `CORE_MIN`) is below this is far from it too: another event
# of the same kind with the same people can score 0.5-0.98 against the anchor alone (another
# player of one team arrested on the same charge weeks apart), never below `OTHER_MAX`. The
# middle of a plateau: 0.6-0.8 give ECB+ precision 0.976-0.980 at recall 0.941 and the same
# answers on the dev scenario's swapped claims (0.75-0.8 one hard negative more on its own);
# 0.5 and 0.55 fall to 0.959 and 0.955 on ECB+ and keep 9-10 more hard negatives on the swapped
# claims (`docs/benchmarks.md`).
OTHER_CORE_MAX = 0.7
# The far carriers read for the other event (each scored against the others for corroboration):
# at most 20 x 19 pairs however many carriers a claim has. On the dev scenario (both claim sets)
# and ECB+ no answer changes against reading them all (10: one swapped repeater fewer).
FAR_READ = 20
# When no other event is found, a dropped carrier scoring `CORE_MIN` against this many kept ones
# (of the first `FAR_READ` kept, best stated first) is kept. Of the dev scenario's swapped claims:
# two such carriers in ECB+ 8 (whose anchor is the odd report: no carrier scores `CORE_MIN`
# against it) and one in 30; with one link a hard negative of ECB+ 5 joined too. The dev
# scenario's own claims and ECB+ (`benchmarks/one_event.py`) unchanged. The first `FAR_READ`
# dropped carriers are read, so at most 20 x 20 pairs (on the dev scenario's 45 claims, both
# sets, the rule's time grew by under 5%).
JOIN_LINKS = 2
# A claim stated by at least this many articles of which no two (besides copies of one text)
# surely report one event, among the first `FAR_READ`, is a statement, not a report of an
# event ("drinking coffee protects the heart"): its carriers are all kept. Without this, such a
# claim quoted in 23 unrelated ECB+ articles kept 1 of them (the anchor), and 1 of 26 when three
# of them ran twice (the copies read as another event). ECB+ (`benchmarks/one_event.py`) and the
# dev scenario's claims, both sets, are unchanged: each has carriers that surely agree. Fewer
# carriers may simply not agree yet, so the rule's cutoff still holds for them.
STATEMENT_MIN = 5


def event_text(version: VersionRef) -> str:
    """The text whose specifics are compared: the headline, then the body (`headline_and_body`)."""
    return headline_and_body(version.title, version.text)


@dataclass(frozen=True, slots=True)
class EventText:
    """A text analysed once for event comparisons: its specifics and weighted terms."""

    specifics: Specifics
    terms: Mapping[str, float]
    # The terms' length and the specifics' one-sided sums, computed once: a carrier is scored
    # against up to eight others.
    norm: float = field(init=False, repr=False, compare=False)
    prepared: PreparedSpecifics = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Compute the terms' length and prepare the specifics."""
        object.__setattr__(self, "norm", term_norm(self.terms))
        object.__setattr__(self, "prepared", PreparedSpecifics.of(self.specifics))

    @classmethod
    def of(cls, text: str) -> EventText:
        """Analyse `text` (tokenised once: `profile_of`)."""
        profile = profile_of(text)
        return cls(profile.specifics, profile.terms.weights)

    @classmethod
    def ready(cls, profile: ReadyProfile) -> EventText:
        """A decoded profile, its length and prepared specifics not computed again."""
        made = object.__new__(cls)
        for name, value in (
            ("specifics", profile.prepared.specifics),
            ("terms", profile.weights),
            ("norm", profile.norm),
            ("prepared", profile.prepared),
        ):
            object.__setattr__(made, name, value)
        return made

    def score(self, other: EventText) -> float:
        """The probability that the two texts report one event."""
        small, large = (self, other) if len(self.terms) <= len(other.terms) else (other, self)
        # Summed over the smaller side's terms in their order, a term the larger side lacks
        # adding 0.0 (which leaves the sum of positive products as it is): the same value, bit
        # for bit, as summing the shared terms only, with the lookups and products made in C
        # (a third of the time; a free-text question scores ~9,000 pairs).
        weights = small.terms
        dot = sum(map(mul, weights.values(), map(large.terms.get, weights, repeat(0.0))))
        norms = self.norm * other.norm
        return prepared_event_score(dot / norms if norms else 0.0, self.prepared, other.prepared)


def anchor_of(best: Mapping[int, float], firsts: AbstractSet[int] = frozenset()) -> int | None:
    """The article whose best mention scores highest; None if none.

    Of equals, one in `firsts` (its first version, the one whose event is read, states the
    claim that well), then the lowest id. An article that quotes the claim word for word only
    in a later version (an edit that calls it inaccurate) is no anchor: its first version
    reported the event in words of its own, or another event, and taken as the anchor (the
    lowest id, the order a crawl stored them in) it sent the claim's own first report and
    its copies to another event.
    """
    if not best:
        return None
    return max(best, key=lambda article: (best[article], article in firsts, -article))


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


def one_event(
    best: Mapping[int, float],
    texts: Mapping[int, str | EventText],
    *,
    core_min: float = CORE_MIN,
    other_max: float = OTHER_MAX,
    kept_min: float = OTHER_EVENT_BELOW,
    other_core_max: float = OTHER_CORE_MAX,
    firsts: AbstractSet[int] = frozenset(),
) -> set[int]:
    """The articles of `best` (article -> best mention score) that report the anchor's event.

    `texts`: each article's event text, or its analysis when at hand (stored profiles). Articles
    without one are kept (nothing to judge them by), and so is everything when the anchor has none.
    `firsts`: the articles whose first version states the claim as well as their best mention
    (`anchor_of`). The three minimums default to the module's (others only for sweeps:
    benchmarks/one_event.py).
    """
    anchor = anchor_of(best, firsts)
    if anchor is None or anchor not in texts:
        return set(best)
    analysed = {
        article: text if isinstance(text, EventText) else EventText.of(text)
        for article, text in texts.items()
        if article in best
    }
    reference = analysed[anchor]
    to_anchor = {a: reference.score(t) for a, t in analysed.items() if a != anchor}
    ranked = sorted(to_anchor, key=lambda a: (-best[a], -to_anchor[a], a))
    core: list[int] = [anchor]
    core.extend([a for a in ranked if to_anchor[a] >= core_min][: CORE_SIZE - 1])
    core_texts = [analysed[c] for c in core[1:]]  # `core[0]` is the anchor
    outside = [a for a in ranked if a not in core]
    # The mean score against the claim's event of every other carrier, when it has sure members
    # besides the anchor (else the score against the anchor is the mean).
    means: dict[int, float] = {}
    if core_texts:
        means = {
            a: _core_mean(to_anchor[a], core_texts, analysed[a], 0.0, decide_early=False)
            for a in outside
        }
    # Far from the anchor itself first (best stated first), then far from the core on average
    # only (farthest first: the surest reports of another event among them).
    far = [a for a in outside if to_anchor[a] < other_max]
    far += sorted(
        (a for a in outside if to_anchor[a] >= other_max and means.get(a, 1.0) < other_core_max),
        key=lambda a: means[a],
    )
    # Every carrier surely of the claim's event (`core_min` against the anchor), not only the
    # core's few: a far carrier this close to one of them is of the claim's event too. All are
    # read, each far carrier stopping at its first such member: the first `FAR_READ` alone are
    # those closest to the anchor, a biased sample, and with a claim carried by thousands of
    # articles unrelated otherwise (`benchmarks/who_repeated.py`) a third of its carriers, each
    # this close to a sure member further down, were left out as another event.
    sure = core_texts + [analysed[a] for a in outside if to_anchor[a] >= core_min]
    others = _other_event(far, analysed, sure, core_min)
    if not others and len(best) >= STATEMENT_MIN:
        read = [analysed[a] for a in [anchor, *ranked][:FAR_READ] if a in analysed]
        if not _shows_an_event(read, core_min):
            return set(best)
    kept = {article for article in best if article not in analysed} | set(core)
    for article, text in analysed.items():
        if article in kept or article in others:
            continue
        # The anchor's score was taken above (`core[0]` is the anchor): not computed twice.
        same = means.get(article)
        if same is None:
            same = _core_mean(
                to_anchor[article], core_texts, text, kept_min, decide_early=not others
            )
        if same < kept_min:
            continue
        if others and same < _mean([analysed[o].score(text) for o in others]):
            continue
        kept.add(article)
    if not others:
        # No other event to prefer: a carrier surely of the event of `JOIN_LINKS` kept ones
        # reports the claim's event, however far it is from the anchor (the odd report).
        members = [analysed[a] for a in [anchor, *ranked] if a in kept][:FAR_READ]
        dropped = [a for a in ranked if a not in kept][:FAR_READ]  # at most 20 x 20 pairs
        kept.update(a for a in dropped if _joins(members, analysed[a], core_min))
    return kept


def _joins(members: list[EventText], text: EventText, core_min: float) -> bool:
    """True when `text` scores `core_min` or more against `JOIN_LINKS` of `members`."""
    links = 0
    for i, member in enumerate(members):
        if links + len(members) - i < JOIN_LINKS:
            return False  # too few members left to reach it
        if member.score(text) >= core_min:
            links += 1
            if links == JOIN_LINKS:
                return True
    return False


def _other_event(
    far: list[int],
    analysed: Mapping[int, EventText],
    core: list[EventText],
    core_min: float,
) -> list[int]:
    """Up to `OTHERS_SIZE` carriers of `far` (in its order) that report another event.

    `far`: the carriers far from the claim's event, of which the first `FAR_READ` not of its
    core are read. Each one taken is not of its core
    (`_of_the_core`) and is corroborated: another such carrier, not a copy of its text, scores
    `core_min` or more against it (surely one event). A single carrier far from the rest is no
    other event: an odd report of the claim's own event (a follow-up, a column) is as far, and
    taken for the other event it pulled the carriers near it out of the answer; nor is one text
    run twice (a wire story and its client's copy), which corroborates nothing.
    """
    candidates: list[int] = []
    for article in far:  # the first `FAR_READ` not of the core: the pairs scored stay bounded
        if len(candidates) == FAR_READ:
            break
        if not _of_the_core(core, analysed[article], core_min):
            candidates.append(article)
    others: list[int] = []
    for article in candidates:
        if len(others) == OTHERS_SIZE:
            break
        text = analysed[article]
        if any(
            b != article and analysed[b] != text and text.score(analysed[b]) >= core_min
            for b in candidates
        ):
            others.append(article)
    return others


def _shows_an_event(texts: list[EventText], core_min: float) -> bool:
    """True when two of `texts`, not copies of one text, score `core_min` or more."""
    return any(
        first != second and first.score(second) >= core_min
        for i, first in enumerate(texts)
        for second in texts[i + 1 :]
    )


def _of_the_core(core: list[EventText], text: EventText, core_min: float) -> bool:
    """True when `text` scores `core_min` or more against a sure carrier (not the anchor).

    `core`: the core's carriers, then the other carriers that score `core_min` against the
    anchor; read until the first that `text` scores `core_min` against.

    Such a score says "surely the same event" (no pair of two events reaches it), so a carrier
    far from the anchor alone but this close to another member is no sign of another event: an
    anchor whose text differs from its repeats (the origin, with names they leave out) scores
    low against carriers that agree with the rest of the core.
    """
    return any(member.score(text) >= core_min for member in core)


def _core_mean(
    to_anchor: float,
    core: list[EventText],
    text: EventText,
    kept_min: float,
    *,
    decide_early: bool,
) -> float:
    """The mean score of `text` against the core, or a value on the same side of `kept_min`.

    `to_anchor` is its score against the anchor (the core's first); the rest are scored in turn
    only while the mean's side of `kept_min` is open. Exact, not approximate: float addition is
    monotone, so with scores in [0, 1] the partial sum (in `sum`'s order) bounds the whole sum
    from below, and the partial sum plus 1.0 per score not read bounds it from above. Settled
    from below only when `decide_early` (no other event to compare with): most carriers are then
    decided after two of the five scores.
    """
    total = 0.0
    count = len(core) + 1
    for i in range(count):
        total += to_anchor if i == 0 else core[i - 1].score(text)
        if decide_early and total / count >= kept_min:
            return total / count  # the whole mean is at least this
        bound = total
        for _ in range(count - i - 1):
            bound += 1.0
        if bound / count < kept_min:
            return bound / count  # the whole mean is at most this
    return total / count
