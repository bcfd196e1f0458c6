"""How search finds text through an index, so that its cost stays flat as years are added.

Search matches case-insensitive substrings (Django's `icontains`): 扩散 inside 扩散模型,
"iffusion" inside "Diffusion". A B-tree cannot answer `UPPER(col) LIKE '%x%'`, so every
searched column (talk title and abstract, session topic, speaker affiliation, a person's
search_name) has two GIN indexes, declared with `indexes()` in the models' Meta:

- a trigram index (pg_trgm, `gin_trgm_ops`) on UPPER(column), the expression that
  `icontains` compares, so the planner can use it. It answers terms of three characters
  or more. pg_trgm reads Han characters as letters because the cluster's locale is
  C.UTF-8 (`show_trgm('张三丰')` is not empty); on another server the database needs a
  UTF-8 locale whose character classes know them.
- a short-gram index on csml_short_grams(column): the column's characters and pairs of
  characters, upper-cased (the SQL function is in migration 0014_search). Terms of one or
  two characters have no trigram, and Chinese queries are often two characters (扩散,
  a name such as 吴磊): pg_trgm would scan its whole index for them, slower than reading
  the table. Containing the term's characters and pair is the same as containing the
  term, so the index answers exactly.

Measured on 30 synthetic years (5,010 talks, bench/bench_archive.py): a two-character
term over every title and abstract took 31 ms by reading the table and 1.3 ms through the
short-gram index; a four-character miss 30 ms and 0.04 ms through the trigram index.
Writers pay for it: a changed abstract rewrites its ~1,400 index entries, 5-6 ms for each
of its two indexes on this VM (importing a year's file takes about 1.5 s more). An
edit that leaves the searched text as it was usually touches no index (a HOT update).

`contains(field, term)` writes the condition so that one of the two indexes applies.
"""

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.lookups import DataContains
from django.db.models import F, Func, Q, TextField, Value
from django.db.models.functions import Upper

TRIGRAM = 3  # characters; shorter terms go to the short-gram index


def short_grams(expression) -> Func:
    return Func(expression, function="csml_short_grams", output_field=ArrayField(TextField()))


def indexes(prefix: str, *fields: str) -> list[GinIndex]:
    """The trigram and the short-gram index of each field, `<prefix>_<field>_trgm/_grams`.

    fastupdate off: GIN otherwise queues new rows in a pending list that every search
    reads through until VACUUM merges it; after importing a year that list made a miss
    over 30 years' abstracts cost 54 ms instead of 0.05 ms. Writes here are few (staff
    edits, a yearly import), so they pay to keep the index merged."""
    return [
        index
        for field in fields
        for index in (
            GinIndex(
                OpClass(Upper(field), name="gin_trgm_ops"),
                name=f"{prefix}_{field}_trgm",
                fastupdate=False,
            ),
            GinIndex(short_grams(F(field)), name=f"{prefix}_{field}_grams", fastupdate=False),
        )
    ]


def contains(field: str, term: str) -> Q:
    """`field` contains `term`, ignoring case, written so that an index answers it."""
    condition = Q(**{f"{field}__icontains": term})
    if len(term) < TRIGRAM:
        condition &= Q(DataContains(short_grams(F(field)), short_grams(Value(term))))
    return condition
