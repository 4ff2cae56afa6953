"""A home page's text blocks: what an outlet prints around its stories (its template).

Every block of visible text is kept (paragraphs, list items, headings, cells, and any element
holding text of its own), whatever region of the page it sits in: which of them is template is
decided where the blocks meet an article's text (`tracker.linking.boilerplate.site_template`).
"""

from __future__ import annotations

import lxml.html

from tracker.web.html_tree import untrusted_tree

__all__ = ["page_blocks"]

# Never shown as text.
_HIDDEN = ("script", "style", "noscript", "template", "svg", "head")
# Elements that hold text of their own and do not flow into a neighbour's line.
_BLOCKS = frozenset(
    "p li dt dd td th h1 h2 h3 h4 h5 h6 blockquote figcaption caption pre address "
    "div section aside footer header nav main article form label summary".split()
)
MAX_BLOCKS = 20000  # blocks read of one page: past that it is not a home page worth reading


def page_blocks(html: bytes, content_type: str | None = None) -> list[str]:
    """The text of each block of `html`, whitespace collapsed, in page order, empties left out.

    A block's text includes its inline children (links, emphasis) but not its nested blocks,
    which are blocks of their own: the same unit trafilatura makes a line of an article's text.
    """
    root = untrusted_tree(html, content_type)
    if root is None:
        return []
    for hidden in list(root.iter(*_HIDDEN)):
        if hidden.getparent() is not None:
            hidden.drop_tree()
    blocks: list[str] = []
    for element in root.iter():
        if not isinstance(element.tag, str) or element.tag not in _BLOCKS:
            continue
        for run in "".join(_own_text(element)).split(_BLOCK_END):
            # A line break may end a line of the article's text as well: both forms are kept.
            for piece in dict.fromkeys([run, *run.split(_BREAK)]):
                words = piece.replace(_BREAK, " ").split()
                if words:
                    blocks.append(" ".join(words))
        if len(blocks) >= MAX_BLOCKS:
            break
    return blocks[:MAX_BLOCKS]


_BLOCK_END = "\x00"  # where a nested block interrupts this block's own text
_BREAK = "\x01"  # a <br>


def _own_text(element: lxml.html.HtmlElement) -> list[str]:
    """The text of `element` and its inline descendants; nested blocks and breaks marked."""
    pieces = [element.text or ""]
    for child in element:
        if isinstance(child.tag, str):
            if child.tag in _BLOCKS:
                pieces.append(_BLOCK_END)
            elif child.tag == "br":
                pieces.append(_BREAK)
            else:
                pieces.extend(_own_text(child))
        pieces.append(child.tail or "")
    return pieces
