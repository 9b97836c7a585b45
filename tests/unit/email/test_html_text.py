"""HTML mail to text: structure, quotes, entities and whitespace."""

from __future__ import annotations

import pytest

from bot.email.html_text import html_to_text

CASES = [
    ("plain text", "plain text"),
    ("<p>One</p><p>Two</p>", "One\n\nTwo"),
    ("<div>One</div><div>Two</div>", "One\nTwo"),
    ("<div>One</div><div><br></div><div>Two</div>", "One\n\nTwo"),  # Gmail's blank line
    ("One<br>Two<br/>Three", "One\nTwo\nThree"),
    ("<h1>Title</h1>Text", "Title\n\nText"),
    ("<ul><li>one</li><li>two</li></ul>", "- one\n- two"),
    ("<ol><li>first</li><li>second</li></ol>", "1. first\n2. second"),
    ("<ul><li>a<ul><li>a1</li></ul></li><li>b</li></ul>", "- a\n  - a1\n- b"),
    ('See <a href="https://x.example/report">the report</a>.', "See the report."),
    ('<a href="mailto:a@acme.example"><img src="cid:logo"></a>Text', "Text"),
    ("<table><tr><td>Name</td><td>Role</td></tr><tr><td>Dana</td><td>Admin</td></tr></table>",
     "Name Role\nDana Admin"),
    ("Fish &amp; chips &lt;3 &eacute;t&eacute; &#8211; &#x20AC;5 &rsquo;", "Fish & chips <3 été – €5 ’"),
    ("a&nbsp;b", "a b"),
    ("  lots   of \n\n  space\t here  ", "lots of space here"),
    ("<p>a</p>\n\n\n<p></p><p></p><p>b</p>", "a\n\nb"),
    ("<pre>  x = 1\n  y = 2</pre>", "  x = 1\n  y = 2"),
    # dropped content
    ("<html><head><title>T</title><meta charset=utf-8><style>p {color:red}</style></head><body>Hi</body></html>",
     "Hi"),
    ("Hi<script>alert('x')</script> there", "Hi there"),
    ("Hi<!-- a comment --> there", "Hi there"),
    ("<!--[if mso]><xml><o:x>1</o:x></xml><![endif]-->Hi", "Hi"),
    ("<head><title>unclosed head<body>Body text", "Body text"),
    # Outlook: one MsoNormal paragraph per line, empty paragraphs for spacing
    ('<p class="MsoNormal">Line 1<o:p></o:p></p><p class="MsoNormal">Line 2<o:p></o:p></p>'
     '<p class="MsoNormal"><o:p>&nbsp;</o:p></p><p class="MsoNormal">Line 3</p>', "Line 1\nLine 2\n\nLine 3"),
    # quotes
    ("<p>New</p><blockquote>old<br>older</blockquote>", "New\n\n> old\n> older"),
    ("<blockquote>a<blockquote>b</blockquote></blockquote>", "> a\n> > b"),
    ('<div>New</div><div class="gmail_quote"><div class="gmail_attr">On Mon, Mar 3, 2025 at 10:14 AM Dana '
     '&lt;d@acme.example&gt; wrote:<br></div><blockquote class="gmail_quote">old</blockquote></div>',
     "New\n> On Mon, Mar 3, 2025 at 10:14 AM Dana <d@acme.example> wrote:\n> > old"),
    ('<div class="gmail_quote gmail_quote_container">x</div>', "> x"),
    ('<div class="yahoo_quoted">x</div>', "> x"),
    ("<blockquote><p>a</p><p>b</p></blockquote>", "> a\n>\n> b"),
    # a forward inside a quoting element stays content
    ('<div>FYI</div><div class="gmail_quote"><div class="gmail_attr">---------- Forwarded message ---------<br>'
     "From: Dana &lt;d@acme.example&gt;<br></div><div>Body</div></div>",
     "FYI\n---------- Forwarded message ---------\nFrom: Dana <d@acme.example>\nBody"),
    ('FYI<blockquote type="cite"><div>Begin forwarded message:</div><div><b>From: </b>Dana</div></blockquote>',
     "FYI\nBegin forwarded message:\nFrom: Dana"),
    # signatures get a delimiter so signature stripping applies
    ('<div>Text</div><div class="gmail_signature">Dana<br>IT Director</div>', "Text\n-- \nDana\nIT Director"),
    ('<div>Text</div><div id="Signature">Dana</div>', "Text\n-- \nDana"),
    # broken HTML
    ("<div><p>unclosed <blockquote>q1<div>q2", "unclosed\n> q1\n> q2"),
    ("</div></blockquote>stray closers", "stray closers"),
    ("<b>bold <i>both</b> italic</i>", "bold both italic"),
    ("<", "<"),
    ("", ""),
]


@pytest.mark.parametrize(("html", "text"), CASES, ids=[str(i) for i in range(len(CASES))])
def test_html_to_text(html: str, text: str) -> None:
    assert html_to_text(html) == text


def test_quoted_lines_are_cut_by_quote_stripping() -> None:
    from retrieval.email_text import new_text

    html = ('<div>Yes, Friday works.</div><div class="gmail_quote"><div class="gmail_attr">On Mon, Mar 3, 2025 at '
            "10:14 AM Dana wrote:</div><blockquote>Does Friday work?</blockquote></div>")
    assert new_text(html_to_text(html)) == "Yes, Friday works."


def test_large_deeply_nested_html_does_not_fail() -> None:
    text = html_to_text("<blockquote>" * 3000 + "deep" + "</div>" * 10)
    assert text.endswith("deep") and text.startswith(">")
