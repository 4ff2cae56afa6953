"""Claims: matching sentences, stance, corrections and their uptake.

The pure core (sentences, text, lexicon, match, stance, mentions, uptake, suggest, roles) has no
I/O; its shell reads and writes the store: fulltext (the one full-text interface), stage (the
post-crawl stage), queries (who repeated, uptake, timeline) and api (what the CLI calls).
"""
