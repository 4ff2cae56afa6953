"""Helpers for testing the tracker and measuring it: generated webs served locally."""
