"""Bytes and header words into text, leniently: declared charsets first, windows-1252 for stray 8-bit bytes."""

from __future__ import annotations

import base64
import binascii
import codecs
import re


def _byte_as_cp1252(byte: int) -> str:
    try:
        return bytes([byte]).decode("cp1252")
    except UnicodeDecodeError:  # the five bytes cp1252 leaves undefined
        return chr(byte)


def _cp1252_fallback(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return "".join(_byte_as_cp1252(b) for b in error.object[error.start : error.end]), error.end


codecs.register_error("tandem-cp1252", _cp1252_fallback)

_CHARSET_ALIASES = {
    "utf8": "utf-8", "unicode-1-1-utf-8": "utf-8", "x-unknown": "", "unknown": "", "unknown-8bit": "",
    "x-user-defined": "cp1252", "iso-8859-8-i": "iso-8859-8", "ks_c_5601-1987": "cp949", "gb2312": "gb18030",
    "gbk": "gb18030", "x-gbk": "gb18030", "x-mac-roman": "mac-roman", "macintosh": "mac-roman",
    "x-sjis": "shift_jis", "tis-620": "cp874", "windows-874": "cp874", "ansi_x3.4-1968": "ascii",
}
# Single-byte charsets that mail often mislabels: valid UTF-8 under one of these labels is read as UTF-8.
_LEGACY = {"cp1252", "iso8859-1", "latin-1", "iso8859-15", "ascii"}


def _canonical_charset(charset: str | None) -> str | None:
    """A codec name for a declared charset: "" when none was declared, None when the name is unknown."""
    name = (charset or "").strip().strip("\"'").lower()
    name = _CHARSET_ALIASES.get(name, name)
    if not name:
        return ""
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError, TypeError):
        return None
    if not getattr(info, "_is_text_encoding", True):
        return None
    canonical = info.name
    # As browsers do: ISO-8859-1 and ASCII labels mean windows-1252 (the superset mail clients really write).
    return "cp1252" if canonical in ("iso8859-1", "latin-1") else canonical


def _guess(data: bytes) -> tuple[str, str]:
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", "tandem-cp1252"), "windows-1252"


def decode_bytes(data: bytes, charset: str | None) -> tuple[str, str | None]:
    """Text for bytes in a declared charset, never failing: (text, a defect note or None).

    Unknown charset names and bytes that do not fit the declared charset fall back to UTF-8, then windows-1252
    (which reads every byte); UTF-8 with stray windows-1252 bytes keeps its UTF-8 and reads the strays as 1252.
    """
    label = (charset or "").strip().strip("\"'") or "us-ascii"
    name = _canonical_charset(charset)
    if name is None:
        text, _ = _guess(data)
        return text, f"undecodable charset {label.lower()}"
    if name in ("", "ascii"):
        if data.isascii():
            return data.decode("ascii"), None
        text, how = _guess(data)
        return text, f"8-bit text declared {label.lower()}, read as {how}"
    if name == "utf-8":
        try:
            return data.decode("utf-8"), None
        except UnicodeDecodeError:
            return data.decode("utf-8", "tandem-cp1252"), "invalid utf-8, read as windows-1252"
    if name in _LEGACY and not data.isascii():
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            return text, f"utf-8 text declared {label.lower()}"
    if name == "cp1252":
        return data.decode("cp1252", "tandem-cp1252"), None
    try:
        return data.decode(name), None
    except Exception:  # UnicodeError, or a codec that cannot decode bytes at all
        pass
    try:
        return data.decode("utf-8"), f"invalid {label.lower()}, read as utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode(name, "replace"), f"invalid {label.lower()}, bad bytes replaced"
    except Exception:
        return data.decode("cp1252", "tandem-cp1252"), f"undecodable charset {label.lower()}"


_SURROGATES = re.compile("[\ud800-\udfff]")


def clean_text(text: str) -> str:
    """Text safe to store: undecoded bytes (surrogate escapes) read as UTF-8 or 1252, no NULs or lone surrogates."""
    if _SURROGATES.search(text):
        try:
            text = text.encode("utf-8", "surrogateescape").decode("utf-8", "tandem-cp1252")
        except UnicodeError:
            pass
        text = _SURROGATES.sub("\ufffd", text)
    return text.replace("\x00", "")


# -- headers

_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([qQbB])\?([^?\s]*)\?=")
_QP_BYTE = re.compile(rb"=([0-9A-Fa-f]{2})")


def _word_bytes(encoding: str, text: str) -> bytes | None:
    if encoding.lower() == "q":
        return _QP_BYTE.sub(lambda m: bytes([int(m.group(1), 16)]), text.replace("_", " ").encode("ascii", "replace"))
    letters = re.sub(r"[^A-Za-z0-9+/]", "", text)
    if len(letters) % 4 == 1:
        letters = letters[:-1]
    try:
        return base64.b64decode(letters + "=" * (-len(letters) % 4))
    except (binascii.Error, ValueError):
        return None


def decode_words(value: str, defects: list[str] | None = None) -> str:
    """RFC 2047 encoded words decoded, leniently: adjacent words joined (also a character split between two
    words), unknown charsets and bad encodings read as well as possible, other text left as it is."""
    out: list[str] = []
    pending: list[tuple[str, bytes]] = []  # adjacent decoded words not yet turned into text: (charset, bytes)

    def flush() -> None:
        while pending:
            charset = pending[0][0]
            run = b""
            while pending and pending[0][0] == charset:
                run += pending.pop(0)[1]
            text, note = decode_bytes(run, charset)
            if note and defects is not None:
                defects.append(f"header: {note}")
            out.append(text)

    position = 0
    for match in _ENCODED_WORD.finditer(value):
        between = value[position : match.start()]
        if between.strip() or not pending:
            flush()
            out.append(between)
        charset = match.group(1).split("*", 1)[0]
        data = _word_bytes(match.group(2), match.group(3))
        if data is None:
            flush()
            out.append(match.group(0))
            if defects is not None:
                defects.append("invalid encoded-word in a header")
        else:
            pending.append((charset, data))
        position = match.end()
    flush()
    out.append(value[position:])
    return "".join(out)


def unfold(value: str) -> str:
    return re.sub(r"\s*[\r\n]+\s*", " ", value).strip()


def header_text(value: object, defects: list[str]) -> str:
    """A stored header value as text: raw 8-bit bytes read as UTF-8 (or 1252), folding removed; no RFC 2047."""
    text = value if isinstance(value, str) else str(value)
    if _SURROGATES.search(text):
        try:
            data = text.encode("ascii", "surrogateescape")
        except UnicodeError:
            data = text.encode("utf-8", "surrogateescape")
        text, how = _guess(data)
        if how != "utf-8":
            defects.append("8-bit header not utf-8, read as windows-1252")
    return clean_text(unfold(text))


