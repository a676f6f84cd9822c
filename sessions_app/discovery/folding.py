"""Case and accent folding, the same in Python and (as an SQL function) in the embedded SQLite.

``fold("Prisión")`` is ``"prision"``; ``fold("reinserção")`` is ``"reinsercao"``. ``strip_markup``
drops the tags of rich text (the conclusions), so a tag's name never matches a word there.
"""

import re
import unicodedata

TAG = re.compile(r"<[^>]*>")


def fold_char(char):
    decomposed = unicodedata.normalize("NFD", char)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def fold(text):
    if text is None:
        return None
    return "".join(fold_char(char) for char in str(text))


def strip_markup(text):
    return None if text is None else TAG.sub(" ", str(text))


def fold_with_positions(text):
    """``(folded, positions)``: ``positions[i]`` is the index in ``text`` of the ``i``-th folded character."""
    folded, positions = [], []
    for index, char in enumerate(text):
        for piece in fold_char(char):
            folded.append(piece)
            positions.append(index)
    return "".join(folded), positions
