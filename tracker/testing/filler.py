"""News-like filler text: generated articles that carry a given sentence among unrelated ones."""

from __future__ import annotations

import random

__all__ = ["FILLER", "filler_text"]

# Fifteen unrelated local-news sentences; articles built from them share words and numbers at
# random, like a day's short items, and report no one event.
FILLER = (
    "the council approved a new budget for the harbour district on tuesday evening",
    "residents said the ferry timetable had changed twice this winter",
    "the minister announced a study of rail fares across the region",
    "shares of the bank rose three percent in afternoon trading",
    "police closed the bridge for several hours after a minor collision",
    "the school board will vote on the plan next month",
    "a local bakery won the regional prize for its rye bread",
    "officials expect the new library to open in the spring",
    "the company reported revenue growth of eleven percent last quarter",
    "volunteers planted four hundred trees along the river path",
    "the hospital hired forty nurses to cover the night shifts",
    "the weather service warned of strong winds along the coast",
    "software developers gathered for a conference on open data",
    "the retailer opened a new warehouse near the motorway",
    "analysts said the market would stay volatile for months",
)


def filler_text(rng: random.Random, extra: str | None) -> str:
    """Six to ten filler sentences in two paragraphs, with `extra` placed in the second."""
    sentences = [rng.choice(FILLER).capitalize() + "." for _ in range(rng.randint(6, 10))]
    if extra is not None:
        sentences.insert(rng.randint(len(sentences) // 2, len(sentences)), extra)
    half = len(sentences) // 2
    return " ".join(sentences[:half]) + "\n" + " ".join(sentences[half:])
