"""Evaluation scripts whose results go to EVALUATION.md."""
