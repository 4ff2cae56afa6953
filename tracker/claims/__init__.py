"""Claims: matching sentences, stance, corrections and their uptake (pure: no I/O).

match, mentions, stance, roles, uptake, decide, suggest and semantic work over domain records
and the language tools of `tracker.text`. Their shells live elsewhere: the post-crawl stage in
`tracker.pipeline.claims_stage`, the read side in `tracker.queries.claims`, full-text SQL in
`tracker.store.fulltext`, and what the CLI calls in `tracker.api.claims`.
"""
