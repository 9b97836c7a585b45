"""The messages of an mbox file, as raw bytes for `parse_email`."""

from __future__ import annotations

import mailbox
import re
from collections.abc import Iterator
from os import PathLike
from pathlib import Path

_QUOTED_FROM = re.compile(rb"^>(>*From )", re.M)


def iter_mbox(path: str | PathLike[str]) -> Iterator[bytes]:
    """Each message's raw bytes (without the "From " separator line), in file order; empty entries skipped.

    Reads with the standard library's `mailbox.mbox`; a body line the mbox writer quoted as ">From " gets
    its "From " back (one ">" removed, as mboxrd readers do). A missing file raises `FileNotFoundError`.
    """
    if not Path(path).is_file():
        raise FileNotFoundError(str(path))
    box = mailbox.mbox(path, create=False)
    try:
        for key in box.iterkeys():
            raw = box.get_bytes(key)
            if raw.strip():
                yield _QUOTED_FROM.sub(rb"\1", raw)
    finally:
        box.close()
