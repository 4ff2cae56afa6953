"""Claims: matching sentences, stance, corrections and their uptake (pure, no I/O)."""
