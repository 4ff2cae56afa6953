"""Helpers for the tests: local servers, CLI runs, stored rows."""
