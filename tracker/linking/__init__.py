"""The similarity stage's pure core: fingerprints, alignment, paraphrase, credits, source choice."""
