"""Tandem bot package."""
