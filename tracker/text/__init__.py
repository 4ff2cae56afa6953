"""Text layer: what the tracker computes from plain text (sentence embeddings, ...)."""
