"""HTML mail to plain text with the standard library's html.parser.

What it does: drops script, style, head, title and template content and comments; block elements end lines
(paragraphs get a blank line, except Outlook's one-line `MsoNormal` paragraphs); `<br>` breaks a line; list
items become "- " (or "1. ") lines; table cells of a row share a line; links keep their text; `<blockquote>`
and Gmail's `div.gmail_quote` (and Yahoo's `yahoo_quoted`) become "> "-quoted lines so quote stripping
applies, except when the quoted block opens with a forward marker (Gmail and Apple Mail put the forwarded
message in one), which is content; Gmail's and Outlook's signature blocks get a "-- " line before them;
entities are decoded; whitespace is collapsed as a browser would and blank lines are limited to one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from retrieval.email_text import is_forward_marker

_SKIP = {"script", "style", "head", "title", "template", "noscript", "xml"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track",
         "wbr", "keygen"}
_BLOCK = {"address", "article", "aside", "body", "center", "dd", "details", "dialog", "dir", "div", "dl", "dt",
          "fieldset", "figcaption", "figure", "footer", "form", "header", "hgroup", "hr", "html", "legend", "li",
          "main", "menu", "nav", "ol", "pre", "section", "summary", "table", "tbody", "tfoot", "thead", "tr", "ul",
          "caption"}
_PARAGRAPH = {"p", "h1", "h2", "h3", "h4", "h5", "h6"}
_QUOTE_CLASSES = {"gmail_quote", "yahoo_quoted"}
_SIGNATURE_CLASSES = {"gmail_signature", "moz-signature"}
_SIGNATURE_IDS = {"signature", "appendonsend-signature", "signature_bookmark"}
_SPACE = re.compile(r"[ \t\n\r\f\v]+")


@dataclass
class _Buffer:
    """Text being built for one level: the document, or the inside of a quote."""

    parts: list[str] = field(default_factory=list)
    newlines: int = 2  # newlines at the end of the text so far (2 at the start: nothing to separate from)

    def text(self, value: str, *, raw: bool = False) -> None:
        if not value:
            return
        if self.newlines and not raw:
            value = value.lstrip(" ")
            if not value:
                return
        self.parts.append(value)
        trailing = len(value) - len(value.rstrip("\n"))
        self.newlines = trailing if trailing < len(value) else self.newlines + trailing

    def line_break(self) -> None:
        self.parts.append("\n")
        self.newlines += 1

    def block(self, lines: int = 1) -> None:
        while self.newlines < lines:
            self.line_break()

    def render(self) -> str:
        return tidy("".join(self.parts))


@dataclass
class _Frame:
    tag: str
    kind: str = ""  # "quote", "skip", "pre", "list", "signature", or ""


class _Converter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.buffers: list[_Buffer] = [_Buffer()]
        self.stack: list[_Frame] = []
        self.skip = 0
        self.pre = 0
        self.lists: list[list[int]] = []  # per open list: [ordered (0/1), next number]

    @property
    def out(self) -> _Buffer:
        return self.buffers[-1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        tag = tag.lower()
        if tag == "body" and any(frame.tag == "head" for frame in self.stack):
            self._close("head")
        attributes = {name.lower(): (value or "") for name, value in attrs}
        classes = set(attributes.get("class", "").lower().split())
        if tag in _VOID:
            if self.skip:
                return
            if tag == "br":
                self.out.line_break()
            elif tag == "hr":
                self.out.block()
            return
        frame = _Frame(tag)
        self.stack.append(frame)
        if tag in _SKIP:
            frame.kind = "skip"
            self.skip += 1
            return
        if self.skip:
            return
        if tag == "blockquote" or (tag == "div" and classes & _QUOTE_CLASSES):
            frame.kind = "quote"
            self.out.block()
            self.buffers.append(_Buffer())
            return
        if tag == "div" and (classes & _SIGNATURE_CLASSES or attributes.get("id", "").lower() in _SIGNATURE_IDS):
            frame.kind = "signature"
            self.out.block()
            self.out.text("-- ")
            self.out.line_break()
            return
        if tag == "pre":
            frame.kind = "pre"
            self.pre += 1
            self.out.block()
        elif tag in ("ul", "ol", "menu", "dir"):
            frame.kind = "list"
            self.lists.append([1 if tag == "ol" else 0, 1])
            self.out.block()
        elif tag == "li":
            self.out.block()
            depth = max(len(self.lists), 1)
            ordered, number = self.lists[-1] if self.lists else (0, 1)
            if self.lists and ordered:
                self.lists[-1][1] += 1
            self.out.text("  " * (depth - 1) + (f"{number}. " if ordered else "- "), raw=True)
        elif tag == "p" and "msonormal" in classes:
            frame.kind = "mso"  # Outlook writes one paragraph per line and spaces with empty paragraphs
            self.out.block()
        elif tag in _PARAGRAPH:
            self.out.block(2)
        elif tag in ("td", "th"):
            if not self.out.newlines:
                self.out.text(" ")
        elif tag in _BLOCK:
            self.out.block()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag.lower() not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        self._close(tag.lower())

    def _close(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index].tag == tag:
                while len(self.stack) > index:
                    self._finish(self.stack.pop())
                return

    def _finish(self, frame: _Frame) -> None:
        if frame.kind == "skip":
            self.skip -= 1
            return
        if self.skip:
            return
        if frame.kind == "quote":
            inner = self.buffers.pop().render() if len(self.buffers) > 1 else ""
            first = next((line for line in inner.splitlines() if line.strip()), "")
            if inner and not is_forward_marker(first):
                inner = "\n".join(f"> {line}" if line else ">" for line in inner.splitlines())
            self.out.block()
            if inner:
                self.out.text(inner)
                self.out.block()
            return
        if frame.kind == "pre":
            self.pre -= 1
        elif frame.kind == "list" and self.lists:
            self.lists.pop()
        if frame.tag in _PARAGRAPH and frame.kind != "signature":
            self.out.block(1 if frame.kind == "mso" else 2)
        elif frame.tag in _BLOCK or frame.kind:
            self.out.block()

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if self.pre:
            self.out.text(data.replace("\r\n", "\n"), raw=True)
            return
        self.out.text(_SPACE.sub(" ", data))

    def close(self) -> None:
        super().close()
        while self.stack:
            self._finish(self.stack.pop())


def tidy(text: str) -> str:
    """Non-breaking and odd spaces made plain, trailing spaces cut (not of a "-- " signature line), at most one blank line in a row, stripped."""
    text = text.replace("\xa0", " ").replace("\u200b", "").replace("\ufeff", "").replace("\u202f", " ")
    lines = [line if line == "-- " else line.rstrip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


_TAG = re.compile(r"<[^>]*>")


def _fallback(html: str) -> str:
    """Crude text for HTML the parser could not take: tags out, entities decoded."""
    from html import unescape

    without = re.sub(r"(?is)<(script|style|head)\b.*?</\1\s*>", " ", html)
    without = re.sub(r"(?i)<br\s*/?>|</(p|div|li|tr|h\d)\s*>", "\n", without)
    return tidy(unescape(_TAG.sub("", without)))


def html_to_text(html: str) -> str:
    """Readable plain text for an HTML email body (see the module docstring for the rules)."""
    converter = _Converter()
    try:
        converter.feed(html)
        converter.close()
    except Exception:  # html.parser is lenient, but a converter bug must not lose the mail
        return _fallback(html)
    while len(converter.buffers) > 1:  # unclosed quotes were closed in close(); belt and braces
        inner = converter.buffers.pop().render()
        converter.out.block()
        converter.out.text(inner)
    return converter.buffers[0].render()
