"""Tandem jobs package."""
