"""Tandem retrieval package."""
