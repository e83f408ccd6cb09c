"""The Markdown report escapes only what Markdown would read as syntax: text from the data
(arm, column and file names, labels, reasons) reads as typed in the Markdown source where
nothing would interpret it, and never becomes markup (emphasis, links, code, HTML, headings,
lists, quotes) when rendered. Each rendering is parsed back with markdown-it-py (CommonMark,
plus GitHub's tables and strikethrough) and its text compared with the document's."""

from __future__ import annotations

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

from trialkit.report import document as doc
from trialkit.report.markdown import MarkdownRenderer

# Plain text that Markdown leaves alone in these places: written as typed.
READABLE = [
    "p < 0.05",
    "<0.001",
    "Started (>= 1 session)",
    "dbt_trial_long.csv",
    "median [IQR]",
    "15.4 [7.3, 25.1]",
    "a * b",
    "AT&T",
    "1.5 mg",
    "#1 dose",
    "5 ~ 6",
    "[[estimands]]",
]
# Text that Markdown would read as syntax somewhere in the report unless escaped.
HOSTILE = [
    "<script>alert(1)</script>",
    "<b>bold</b> <!-- c -->",
    "<https://example.org>",
    "*emphasis* and __strong__",
    "_under_ score",
    "~~struck~~",
    "`code` span",
    "[link](https://example.org) and ![image](x.png)",
    "a | b",
    "back\\slash \\* and \\",
    "&amp; &#60; entities",
    "# heading",
    "> quote",
    "- item",
    "+ item",
    "* item",
    "1. item",
    "2) item",
    "---",
    "===",
    "_ _ _",
    "[ref]: https://example.org",
    "Title ##",
    "two\nlines",
    "a\n# b",
    "x\n* y *",
    "[a\nb](x)",
]
PARSER = MarkdownIt("commonmark").enable(["table", "strikethrough"])
MARKUP = {"em_open", "strong_open", "s_open", "link_open", "image", "code_inline", "html_inline"}
BLOCKS = {"heading_open", "blockquote_open", "bullet_list_open", "ordered_list_open", "hr"}
BLOCKS |= {"html_block", "code_block", "fence", "table_open", "paragraph_open"}


def _document(text: str) -> doc.Document:
    """``text`` in every place the Markdown renderer writes text."""
    table = doc.Table(
        text,
        (doc.Column(text), doc.Column("x", "right")),
        ((doc.Label(text), doc.Label(text, indent=1)),),
        footnotes=(text, text),
    )
    return doc.Document(
        text,
        (
            doc.Section("header", text, (doc.Paragraph(text),)),
            doc.Section(
                "s", text, (table, doc.Tree(doc.TreeNode(doc.Label(text))), doc.Note(text))
            ),
            doc.Section("f", text, (doc.Note(text, indent=1), doc.Figure("fig", text))),
        ),
    )


def _text(inline: Token) -> str:
    """An inline token's text as a reader sees it (a soft line break as a newline)."""
    out = []
    for t in inline.children or []:
        if t.type in ("text", "text_special"):
            out.append(t.content)
        elif t.type == "softbreak":
            out.append("\n")
        elif t.type == "html_inline" and t.content == "<br>":
            out.append("\n")
        elif t.type == "image":
            out.append(f"[image {_text(t)}]")
        else:
            out.append(f"<{t.type}>")
    return "".join(out)


def _read_back(markdown: str) -> tuple[list[str], list[str]]:
    """The block tokens (opening ones) and each inline's text, in order."""
    tokens = PARSER.parse(markdown)
    blocks = [t.type for t in tokens if t.type in BLOCKS]
    return blocks, [_text(t) for t in tokens if t.type == "inline"]


EXPECTED_BLOCKS = [
    "heading_open",  # the title
    "paragraph_open",
    "heading_open",
    "paragraph_open",  # the table's title
    "table_open",
    "paragraph_open",  # its footnotes
    "bullet_list_open",  # the tree
    "paragraph_open",  # its item
    "paragraph_open",  # the note
    "heading_open",
    "paragraph_open",  # the indented note
    "paragraph_open",  # the figure
]


@pytest.mark.parametrize("text", READABLE + HOSTILE)
def test_rendered_markdown_reads_back_as_the_text(text: str) -> None:
    markdown = MarkdownRenderer({"fig": "figures/fig.png"}).render(_document(text))
    blocks, inlines = _read_back(markdown)
    assert blocks == EXPECTED_BLOCKS, markdown
    indent = "\u00a0\u00a0"
    assert inlines == [
        text,  # title
        text,  # paragraph
        text,  # section title
        f"<strong_open>{text}<strong_close>",  # table title
        text.replace("\n", " "),  # header cell (one line)
        "x",
        text,  # cells
        indent + text,
        f"{text}\n{text}",  # footnotes: one paragraph
        text,  # tree
        text,  # note
        text,
        indent + text,
        f"[image {text}]",
    ], markdown


@pytest.mark.parametrize("text", READABLE)
def test_plain_text_is_written_as_typed(text: str) -> None:
    markdown = MarkdownRenderer().render(_document(text))
    assert f"| {text} | {'&nbsp;' * 2}{text} |" in markdown
    assert f"\n{text}\n{text}\n" in markdown  # the footnotes
    assert f"\n- {text}\n" in markdown  # the tree


def test_data_never_becomes_html() -> None:
    markdown = MarkdownRenderer().render(_document(HOSTILE[0]))
    assert "<script" not in markdown.replace("\\<script", "")
    html = PARSER.render(markdown)
    assert "<script" not in html and "&lt;script&gt;" in html


def test_a_link_across_footnotes_is_escaped() -> None:
    table = doc.Table(
        "T", (doc.Column("a"),), ((doc.Label("r"),),), footnotes=("see [a", "b](x) too")
    )
    markdown = MarkdownRenderer().render(doc.Document("D", (doc.Section("s", "S", (table,)),)))
    _, inlines = _read_back(markdown)
    assert inlines[-1] == "see [a\nb](x) too"
    assert "see [a" not in markdown  # escaped: "\\[a"
