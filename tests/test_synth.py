"""benchmarks/synth.py: the same seed gives the same corpus, and its truth holds."""

from __future__ import annotations

import random
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import synth

_WORDS = re.compile(r"\w+")


def _corpus(seed: int) -> tuple[list[synth.Doc], list[str], list[synth.Outlet]]:
    model = synth.builtin_model(seed)
    outlets = synth.make_outlets(30, seed)
    return synth.stories(model, outlets, 2, seed=seed), model.bulk_texts(20, seed), outlets


def _longest_shared_run(a: str, b: str) -> int:
    """The longest run of words `b` shares verbatim with `a`."""
    left, right = _WORDS.findall(a.lower()), _WORDS.findall(b.lower())
    best = 0
    previous = [0] * (len(right) + 1)
    for x in left:
        current = [0] * (len(right) + 1)
        for j, y in enumerate(right):
            if x == y:
                current[j + 1] = previous[j] + 1
                best = max(best, current[j + 1])
        previous = current
    return best


def test_same_seed_same_corpus_other_seed_other_corpus() -> None:
    assert _corpus(3) == _corpus(3)
    docs, texts, outlets = _corpus(4)
    other_docs, other_texts, other_outlets = _corpus(3)
    assert [d.text for d in docs] != [d.text for d in other_docs]
    assert texts != other_texts
    assert outlets != other_outlets
    assert synth.make_feeds(outlets, 1) == synth.make_feeds(outlets, 1)


def test_story_truth() -> None:
    docs, _, _ = _corpus(5)
    by_url = {d.url: d for d in docs}
    assert len(by_url) == len(docs) == 18
    for number in (0, 1):
        story = {d.kind: d for d in docs if d.story == number and d.kind != "wire-copy"}
        copies = [d for d in docs if d.story == number and d.kind == "wire-copy"]
        original, wire = story["original"], story["wire"]
        assert set(story) == set(synth.KINDS) - {"wire-copy"} and len(copies) == 2
        for d in [*story.values(), *copies]:
            assert (d.source is None) == (d.kind in synth.NO_SOURCE)
            if d.source is not None:
                assert by_url[d.source].seen < d.seen  # a source comes first
        assert original.text in story["copy"].text
        assert (story["copy"].source, story["copy"].edge) == (original.url, "copies")
        kept = story["partial"].text.split("\n")[:2]
        assert all(p in original.text.split("\n") for p in kept)
        assert story["partial"].text not in original.text  # the copier's own paragraphs
        assert story["partial"].text in story["chain"].text
        assert (story["chain"].source, story["chain"].edge) == (story["partial"].url, "copies")
        assert (story["paraphrase"].edge, story["paraphrase"].source) == (
            "paraphrases",
            original.url,
        )
        for line in story["paraphrase"].text.split("\n"):  # runs are broken line by line
            assert _longest_shared_run(original.text, line) < 12  # the linker's copy evidence
        assert "(GWS) —" in wire.text and wire.host == synth.WIRE.host
        for copy in copies:
            assert (copy.source, copy.edge) == (wire.url, "common_source")
            assert "\n".join(wire.text.split("\n")[:-1]) in copy.text
        assert _longest_shared_run(original.text, story["distractor"].text) < 12
        assert len({d.host for d in story.values()}) == len(story)  # one outlet each


def test_claim_docs_carry_the_claim_and_near_misses_do_not() -> None:
    model = synth.builtin_model(1)
    outlets = synth.make_outlets(10, 1)
    for spec in synth.CLAIMS:
        docs = synth.claim_docs(model, outlets, spec, 4, 3, seed=2)
        carriers = [s for s, _ in spec.carriers]
        for doc, stance in docs:
            carried = [s for s in carriers if s in doc.text]
            if doc.kind == "claim":
                assert len(carried) == 1 and stance == dict(spec.carriers)[carried[0]]
            else:
                assert not carried and stance is None
                assert any(m in doc.text for m in spec.near_misses)


def test_builtin_model_is_zipf_like_and_bulk_texts_are_news_sized() -> None:
    model = synth.builtin_model(0)
    assert len(set(model.words)) == len(model.words) >= 5000
    texts = model.bulk_texts(200, 9)
    counts: dict[str, int] = {}
    for body in texts:
        for word in _WORDS.findall(body.lower()):
            counts[word] = counts.get(word, 0) + 1
    ranked = sorted(counts.values(), reverse=True)
    assert ranked[0] > 5 * ranked[50] > 5 * ranked[1000]
    words = [len(_WORDS.findall(t)) for t in texts]
    assert 300 < sum(words) / len(words) < 600
    assert all(t[0].isupper() and t.endswith(".") and "\n" in t for t in texts)
    # Bursty: a topical word turns up in few texts.
    topical = model.words[model.topic_words[0]].lower()
    assert sum(topical in _WORDS.findall(t.lower()) for t in texts) < len(texts) / 4


def test_learns_from_a_corpus_folder(tmp_path: Path) -> None:
    folder = tmp_path / "reuse-clough-stevenson"
    folder.mkdir()
    rng = random.Random(0)
    vocabulary = ["zebra", "quartz", "lantern", "meadow", "harbor", "violet", "copper"]
    for name in ("orig_taska.txt", "g0pA_taska.txt"):
        sentences = [
            " ".join(rng.choice(vocabulary) for _ in range(rng.randint(5, 9))).capitalize() + "."
            for _ in range(30)
        ]
        (folder / name).write_text(" ".join(sentences))
    model = synth.model_for(tmp_path)
    assert model.source.startswith("reuse-clough-stevenson")
    assert set(w.lower() for w in model.words) == set(vocabulary)
    assert set(model.lengths) <= set(range(5, 10))
    text = model.bulk_texts(1, 0)[0]
    assert set(_WORDS.findall(text.lower())) <= set(vocabulary)
    assert synth.model_for(tmp_path / "missing").source == "built-in"
