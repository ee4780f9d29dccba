from tortoise import migrations
from tortoise.migrations import operations as ops

# Search indexes (resolvers/search.py). PostgreSQL: trigram GIN indexes answer the name and title
# prefix patterns (`key LIKE 'term%' OR key LIKE '% term%'`) without a sequential scan, and a GIN
# full-text index answers abstracts. SQLite: FTS5 tables over the same columns, kept in step with
# their tables by triggers. pg_trgm ships with PostgreSQL (contrib); creating it needs the
# CREATE privilege on the database (docs/operations.md).

_TRIGRAM = [("author", "name_key"), ("work", "title_key"), ("topic", "name_key"),
            ("institution", "name_key")]

_PG_UP = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    # whole-key prefixes (LIKE 'term%') in any database collation
    *(f"CREATE INDEX {t}_{c}_prefix ON {t} ({c} text_pattern_ops)" for t, c in _TRIGRAM),
    *(f"CREATE INDEX {t}_{c}_trgm ON {t} USING gin ({c} gin_trgm_ops)" for t, c in _TRIGRAM),
    # abstracts match without accents, as FTS5's remove_diacritics does; unaccent() is only
    # STABLE (it reads a dictionary), so an IMMUTABLE wrapper naming it lets an index use it
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE FUNCTION peergraph_abstract_tsv(text) RETURNS tsvector LANGUAGE sql IMMUTABLE"
    " PARALLEL SAFE AS $$ SELECT to_tsvector('simple',"
    " public.unaccent('public.unaccent'::regdictionary, coalesce($1, ''))) $$",
    # stored, so that ranking reads it instead of parsing every matching abstract again
    # (3.7x to 9x faster at 10^5 works); COPY and INSERT with column lists skip it
    "ALTER TABLE work ADD COLUMN abstract_tsv tsvector"
    " GENERATED ALWAYS AS (peergraph_abstract_tsv(abstract)) STORED",
    "CREATE INDEX work_abstract_fts ON work USING gin (abstract_tsv)",
]
_PG_DOWN = [
    *(f"DROP INDEX IF EXISTS {t}_{c}_prefix" for t, c in _TRIGRAM),
    *(f"DROP INDEX IF EXISTS {t}_{c}_trgm" for t, c in _TRIGRAM),
    "DROP INDEX IF EXISTS work_abstract_fts",
    "ALTER TABLE work DROP COLUMN IF EXISTS abstract_tsv",
    "DROP FUNCTION IF EXISTS peergraph_abstract_tsv(text)",
]

#: table → the columns its FTS5 table indexes
_FTS = {"author": ("name_key",), "work": ("title_key", "abstract"), "topic": ("name_key",),
        "institution": ("name_key",)}


def _sqlite_up() -> list[str]:
    out = []
    for table, cols in _FTS.items():
        names = ", ".join(cols)
        new = ", ".join(f"new.{c}" for c in cols)
        old = ", ".join(f"old.{c}" for c in cols)
        fts = f"{table}_fts"
        delete = f"INSERT INTO {fts}({fts}, rowid, {names}) VALUES ('delete', old.id, {old});"
        insert = f"INSERT INTO {fts}(rowid, {names}) VALUES (new.id, {new});"
        out += [
            f"CREATE VIRTUAL TABLE {fts} USING fts5({names}, content='{table}',"
            " content_rowid='id', tokenize='unicode61 remove_diacritics 2', prefix='2 3')",
            f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {table} BEGIN {insert} END",
            f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {table} BEGIN {delete} END",
            f"CREATE TRIGGER {fts}_au AFTER UPDATE OF {names} ON {table}"
            f" BEGIN {delete} {insert} END",
            f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
        ]
    # whole-key prefixes as a range over the key (author, topic and institution have one)
    return [*out, "CREATE INDEX work_title_key_prefix ON work (title_key)"]


def _sqlite_down() -> list[str]:
    return ["DROP INDEX IF EXISTS work_title_key_prefix"] + [f"DROP TABLE IF EXISTS {t}_fts" for t in _FTS] + [
        f"DROP TRIGGER IF EXISTS {t}_fts_{s}" for t in _FTS for s in ("ai", "ad", "au")
    ]


def _postgres(editor) -> bool:
    return "asyncpg" in type(editor.client).__module__ or "psycopg" in type(editor.client).__module__


async def _up(_apps, editor) -> None:
    for sql in _PG_UP if _postgres(editor) else _sqlite_up():
        await editor.client.execute_script(sql)


async def _down(_apps, editor) -> None:
    for sql in _PG_DOWN if _postgres(editor) else _sqlite_down():
        await editor.client.execute_script(sql)


class Migration(migrations.Migration):
    dependencies = [('models', '0004_slice_reverse_indexes')]

    initial = False

    operations = [ops.RunPython(_up, _down)]
