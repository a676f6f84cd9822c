"""Search over the portal's public content, in the visitor's language, ignoring case and accents.

Each kind of content is a ``Source`` (sources.py): its public rows, its fields with their weight,
and how a result is shown. The good-practice catalogue plugs in as one more source.

On PostgreSQL the text of each field (the visitor's language, falling back to the text that
exists) is matched with full-text search under the language's configuration with ``unaccent``
(migration 0001: ``copolad_es`` folds accents, then stems in Spanish), ranked with ``ts_rank``
and cut into a snippet by ``ts_headline``. The embedded SQLite folds case and accents with a
Python function and looks for every word in any field; results with a word in their title come
first. Snippets are escaped before the matches are marked, so typed markup is shown as text.

One query per source and page, whatever the number of results: the total comes from a window
count in the same query.
"""

import html
import re
from dataclasses import dataclass, field

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Case, Count, F, FloatField, Func, IntegerField, Q, TextField, Value, When, Window
from django.db.models.functions import Coalesce, Concat, NullIf
from django.utils import translation
from django.utils.html import escape, strip_tags
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from .folding import fold, fold_with_positions

MAX_QUERY_LENGTH = 200
LANGUAGES = ("en", "es", "pt")
# Private-use characters no text holds: the headline marks matches with them, then the snippet is
# escaped and they become <mark> tags.
START, STOP = "\ue000", "\ue001"
SNIPPET_CHARS = 220
# What is left of a query once markup and operator characters are taken away: words only.
WORD = re.compile(r"\w+", re.UNICODE)
# The fields of a result are joined with " · "; empty ones leave runs of separators.
SEPARATORS = re.compile(r"(?:\s*·\s*){2,}")
OPERATORS = re.compile(r"[&|!():*<>\"'\\{}\[\]^~+\-=@#%$;,./?`]")


class QueryError(ValueError):
    """The query cannot be searched; ``message`` says why, in the visitor's language."""

    def __init__(self, message, code):
        super().__init__(str(message))
        self.message = message
        self.code = code


def clean_query(raw):
    """The words to search for, or QueryError (empty, too long, made only of operators or markup)."""
    raw = (raw or "").strip()
    if not raw:
        raise QueryError(_("Type one or more words to search for."), "empty")
    if len(raw) > MAX_QUERY_LENGTH:
        raise QueryError(
            _("Your search is too long: use at most %(max)s characters.") % {"max": MAX_QUERY_LENGTH}, "too_long"
        )
    text = OPERATORS.sub(" ", strip_tags(html.unescape(raw)))
    words = [word for word in WORD.findall(text) if word.strip("_")]
    if not words:
        raise QueryError(_("Search with words: symbols, operators and markup are not searched for."), "no_words")
    return words[:20]


@dataclass(frozen=True)
class Field:
    name: str
    weight: str = "B"  # A (titles) to D
    translated: bool = False
    markup: bool = False  # rich text: tags are dropped before matching


@dataclass
class Result:
    kind: str
    title: str
    url: str
    snippet: str  # safe HTML: escaped text with <mark> around the matches
    context: str = ""  # a second line: the session, the country


@dataclass
class Group:
    kind: str
    label: str
    total: int
    results: list = field(default_factory=list)


def text_of(source_field, language):
    """The field's text in ``language``, falling back to the other languages in the portal's order."""
    if not source_field.translated:
        expression = F(source_field.name)
    else:
        order = [language] + [code for code in LANGUAGES if code != language]
        expression = Coalesce(
            *[NullIf(F(f"{source_field.name}_{code}"), Value("")) for code in order],
            Value(""),
            output_field=TextField(),
        )
    if source_field.markup:
        if connection.vendor == "postgresql":
            return Func(
                expression,
                Value("<[^>]*>"),
                Value(" "),
                Value("g"),
                function="regexp_replace",
                output_field=TextField(),
            )
        return Func(expression, function="COPOLAD_STRIP_MARKUP", output_field=TextField())
    return expression


def is_postgresql():
    return connection.vendor == "postgresql"


def search_source(source, *, words, language, offset=0, limit=5):
    """One page of ``source``'s public rows matching every word: (total, [Result])."""
    queryset = source.queryset()
    texts = [(source_field, text_of(source_field, language)) for source_field in source.fields]
    if is_postgresql():
        rows = _postgresql(queryset, texts, words=words, language=language, offset=offset, limit=limit)
    else:
        rows = _sqlite(queryset, texts, words=words, offset=offset, limit=limit)
    total = rows[0].search_total if rows else 0
    results = []
    for row in rows:
        snippet = row.search_snippet if is_postgresql() else sqlite_snippet(row.search_text, words)
        results.append(source.result(row, snippet=mark_snippet(snippet)))
    return total, results


def _postgresql(queryset, texts, *, words, language, offset, limit):
    config = f"copolad_{language}"
    vector = None
    for source_field, expression in texts:
        part = SearchVector(expression, config=config, weight=source_field.weight)
        vector = part if vector is None else vector + part
    query = SearchQuery(" ".join(words), config=config, search_type="plain")
    document = Concat(
        *[expression for _field, expression in texts for expression in (expression, Value(" · "))],
        output_field=TextField(),
    )
    return list(
        queryset.annotate(search_vector=vector)
        .filter(search_vector=query)
        .annotate(
            search_rank=SearchRank(vector, query),
            search_snippet=SearchHeadline(
                document,
                query,
                config=config,
                start_sel=START,
                stop_sel=STOP,
                max_words=30,
                min_words=12,
                max_fragments=2,
                fragment_delimiter=" … ",
            ),
            search_total=Window(Count("pk")),
        )
        .order_by("-search_rank", "pk")[offset : offset + limit]
    )


def _sqlite(queryset, texts, *, words, offset, limit):
    folded = {
        f"search_field_{index}": Func(expression, function="COPOLAD_FOLD", output_field=TextField())
        for index, (_field, expression) in enumerate(texts)
    }
    queryset = queryset.annotate(**folded)
    for word in words:
        term = fold(word)
        condition = Q()
        for name in folded:
            condition |= Q(**{f"{name}__contains": term})
        queryset = queryset.filter(condition)
    first = fold(words[0])
    title_match = Case(
        When(**{"search_field_0__contains": first}, then=Value(1)), default=Value(0), output_field=IntegerField()
    )
    document = Concat(
        *[expression for _field, expression in texts for expression in (expression, Value(" · "))],
        output_field=TextField(),
    )
    return list(
        queryset.annotate(
            search_rank=Value(0.0, output_field=FloatField()) + title_match,
            search_text=document,
            search_total=Window(Count("pk")),
        ).order_by("-search_rank", "pk")[offset : offset + limit]
    )


def sqlite_snippet(text, words):
    """A window of ``text`` around its first match, the matches wrapped in START/STOP."""
    text = " ".join((text or "").split())
    folded, positions = fold_with_positions(text)
    spans = []
    for word in words:
        term = fold(word)
        start = folded.find(term)
        while term and start != -1:
            spans.append((positions[start], positions[start + len(term) - 1] + 1))
            start = folded.find(term, start + len(term))
    if not spans:
        return text[:SNIPPET_CHARS]
    spans.sort()
    first = spans[0][0]
    begin = max(0, first - SNIPPET_CHARS // 3)
    end = min(len(text), begin + SNIPPET_CHARS)
    pieces, cursor = [], begin
    for start, stop in spans:
        if start < cursor or stop > end:
            continue
        pieces.extend([text[cursor:start], START, text[start:stop], STOP])
        cursor = stop
    pieces.append(text[cursor:end])
    return ("… " if begin else "") + "".join(pieces) + (" …" if end < len(text) else "")


def mark_snippet(snippet):
    """Escape the snippet (anything typed stays text), then turn the match markers into <mark>."""
    text = SEPARATORS.sub(" · ", " ".join((snippet or "").split())).strip(" ·")
    escaped = escape(text)
    marked = escaped.replace(START, "<mark>").replace(STOP, "</mark>")
    # A snippet cut inside a match leaves an unbalanced marker: close it.
    if marked.count("<mark>") > marked.count("</mark>"):
        marked += "</mark>"
    return mark_safe(marked)  # noqa: S308 - escaped above; only our own <mark> tags are added


def run_search(raw_query, *, language, sources, kind=None, page=1, per_kind=5, per_page=20):
    """The search page's content: ``(words, [Group])``, or QueryError.

    Without ``kind`` each source gives its first ``per_kind`` results; with ``kind`` that source
    alone, ``per_page`` results per page.
    """
    words = clean_query(raw_query)
    groups = []
    # Titles, links and labels of the results in the language searched.
    with translation.override(language):
        for source in sources:
            if kind and source.kind != kind:
                continue
            limit = per_page if kind else per_kind
            offset = (page - 1) * per_page if kind else 0
            total, results = search_source(source, words=words, language=language, offset=offset, limit=limit)
            groups.append(Group(source.kind, source.label, total, results))
    return words, groups
