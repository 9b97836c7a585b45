"""Token-budgeted batches of the MiniLM embedder: by length, never past the budget or the size cap."""

from __future__ import annotations

import pytest

from retrieval.embeddings import MiniLMEmbedder


@pytest.mark.parametrize(("lengths", "budget", "cap", "expected"), [
    ([], 1024, 32, []),
    ([5, 3, 4], 1024, 32, [[1, 2, 0]]),  # shortest first, all in one batch
    ([256] * 5, 1024, 32, [[0, 1, 2, 3], [4]]),  # 4 x 256 padded tokens fill the budget
    ([10] * 5, 1024, 2, [[0, 1], [2, 3], [4]]),  # the size cap
    ([2, 300, 3], 512, 32, [[0, 2], [1]]),  # a long text does not pad the short ones
    ([600], 512, 32, [[0]]),  # longer than the budget: alone
])
def test_batches(lengths: list[int], budget: int, cap: int, expected: list[list[int]]) -> None:
    embedder = MiniLMEmbedder(batch_size=cap, max_batch_tokens=budget)
    assert embedder._batches(lengths) == expected
