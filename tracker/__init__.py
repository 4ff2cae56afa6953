"""Media-coverage propagation tracker: who repeated a claim, from whom, and who corrected it."""

__version__ = "0.1.0"
