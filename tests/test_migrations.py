"""The migrations build every table on each backend, and `migrate` is idempotent."""

from __future__ import annotations

from models import database
from models.authors import Author


async def test_migrated_database_is_empty_and_usable(db: str) -> None:
    # given a freshly migrated database
    # when an author is written and read back
    author = await Author.create(display_name="Ada Lovelace", name_key="ada lovelace")
    # then it round-trips
    assert (await Author.get(id=author.id)).display_name == "Ada Lovelace"
    assert database.dialect() == db


async def test_migrations_apply_to_tables_holding_data(db: str) -> None:
    # given a database holding a work by two authors (so a co-author pair), taken back to the
    # 0.1.0 schema (0004)
    from tortoise import Tortoise
    from tortoise.migrations.api.migrate import migrate as tortoise_migrate

    import settings
    from importers import refresh_aggregates
    from resolvers.search import NodeKind, search_rows
    from resolvers.sql import fetch
    from tests.factories import make_author, make_work

    work = await make_work([await make_author(), await make_author()], title="Populated tables")
    await refresh_aggregates()
    url = _url()
    config = settings.tortoise_config(url)
    await Tortoise.close_connections()
    await tortoise_migrate(config=config, target="models.0004_slice_reverse_indexes")
    await Tortoise.close_connections()
    # when the migrations since then run on it
    await database.migrate(url)
    await Tortoise.close_connections()
    await database.open_db(url, run_migrations=False)
    # then the new columns are filled for the rows already there, and the search indexes hold them
    # (on SQLite, going back rebuilds `work`, and the rebuild's cascade deletes its authorships:
    # a rollback there loses links; PostgreSQL drops the columns in place)
    kept = (await fetch("SELECT COUNT(*) AS n FROM authorship WHERE work_id = ?", [work.id]))[0]
    assert kept["n"] == (2 if db == "postgres" else 0)
    rows = await fetch("SELECT author_count FROM work WHERE id = ?", [work.id])
    assert rows == [{"author_count": kept["n"]}]
    # and the co-author pair, stored both ways at 0004, is stored once and read both ways
    # (where the rollback kept the authors' rows: SQLite's rebuild cascades there too)
    pairs = await fetch("SELECT low_id, high_id FROM collaboration_pair")
    both = await fetch("SELECT author_id, coauthor_id FROM collaboration ORDER BY author_id")
    assert len(pairs) == kept["n"] // 2
    assert [(r["author_id"], r["coauthor_id"]) for r in both] == [
        pair for p in pairs for pair in ((p["low_id"], p["high_id"]), (p["high_id"], p["low_id"]))
    ]
    hits = await search_rows("populated", [NodeKind.WORK], 5)
    assert [h.row["id"] for h in hits] == [work.id]


def _url() -> str:
    from tests.serving import current_db_url

    return current_db_url()


async def test_record_fields_migrate_back_and_forth_on_populated_tables(db: str) -> None:
    # given a work with grants, record fields and two references, and an institution with a
    # parent, at the current schema
    from tortoise import Tortoise
    from tortoise.migrations.api.migrate import migrate as tortoise_migrate

    import settings
    from resolvers.sql import fetch
    from tests.factories import link_institutions, make_funder, make_institution, make_work

    funder = await make_funder()
    cited = await make_work()
    work = await make_work(
        references=[cited, "W404"],
        grants=[(funder, "AW-1")],
        oa_status="GOLD",
        is_oa=True,
        keywords=[["Graphs", 0.5]],
    )
    child, parent = await make_institution(), await make_institution()
    await link_institutions(child, "PARENT", [parent])
    url = _url()
    config = settings.tortoise_config(url)
    await Tortoise.close_connections()
    # when the database goes back to the schema before the record fields, then forward again
    await tortoise_migrate(config=config, target="models.0007_import_scale")
    await Tortoise.close_connections()
    await database.migrate(url)
    await Tortoise.close_connections()
    await database.open_db(url, run_migrations=False)
    # then the tables are back, empty, and the works still there count their stored references
    # (on SQLite the rollback's rebuild of `work` cascades to its citations, as above)
    for table in ("funder", "work_grant", "institution_link"):
        assert (await fetch(f"SELECT COUNT(*) AS n FROM {table}"))[0]["n"] == 0
    kept = (await fetch("SELECT COUNT(*) AS n FROM citation WHERE citing_id = ?", [work.id]))[0]
    assert kept["n"] == (2 if db == "postgres" else 0)
    rows = await fetch(
        "SELECT referenced_works_count, oa_status, keywords FROM work WHERE id = ?", [work.id]
    )
    assert rows == [{"referenced_works_count": kept["n"], "oa_status": None, "keywords": None}]
