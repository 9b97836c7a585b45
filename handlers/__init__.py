"""Tandem handlers package."""
