"""The demo story: a bundled week of fictional outlets and the local web that serves it."""

from tracker.demo.corpus import Corpus, load_corpus

__all__ = ["Corpus", "load_corpus"]
