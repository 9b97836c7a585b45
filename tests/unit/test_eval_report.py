"""The evaluation report refreshes its generated blocks and keeps the prose around them."""

from __future__ import annotations

from bot.evaluation.report import replace_block


def test_generated_block_is_replaced_and_prose_kept() -> None:
    text = "# Evaluation\n\nWhy these numbers.\n<!-- generated:x -->\nold\n<!-- /generated:x -->\nAfterword.\n"
    updated = replace_block(text, "x", "new table")
    assert updated == "# Evaluation\n\nWhy these numbers.\n<!-- generated:x -->\nnew table\n<!-- /generated:x -->\nAfterword.\n"


def test_missing_block_is_appended() -> None:
    assert replace_block("# Evaluation\n", "y", "rows").endswith("<!-- generated:y -->\nrows\n<!-- /generated:y -->\n")
