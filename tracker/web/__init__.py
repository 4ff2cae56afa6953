"""Fetching, feeds and extraction: the web as the tracker reads it."""
