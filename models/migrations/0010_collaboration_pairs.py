from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

# Each co-author pair is stored once (low_id < high_id) instead of both ways: half the rows, a
# quarter fewer index entries, and half the aggregation work in a refresh. The `collaboration`
# view shows each pair both ways under the old table's columns, so every reader (resolvers,
# planner, workers) keeps its SQL; a filter on `author_id` becomes one index lookup per side.

_COLUMNS = "shared_works, first_year, last_year"

_VIEW = (
    "CREATE VIEW collaboration (author_id, coauthor_id, shared_works, first_year, last_year) AS"
    f" SELECT low_id, high_id, {_COLUMNS} FROM collaboration_pair"
    f" UNION ALL SELECT high_id, low_id, {_COLUMNS} FROM collaboration_pair"
)


async def _once(_apps, editor) -> None:
    await editor.client.execute_script(
        f"INSERT INTO collaboration_pair (low_id, high_id, {_COLUMNS})"
        f" SELECT author_id, coauthor_id, {_COLUMNS} FROM collaboration"
        " WHERE author_id < coauthor_id"
    )


async def _both_ways(_apps, editor) -> None:
    await editor.client.execute_script(
        f"INSERT INTO collaboration (author_id, coauthor_id, {_COLUMNS})"
        f" SELECT low_id, high_id, {_COLUMNS} FROM collaboration_pair"
        f" UNION ALL SELECT high_id, low_id, {_COLUMNS} FROM collaboration_pair"
    )


class Migration(migrations.Migration):
    dependencies = [('models', '0009_similarity')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CollaborationPair',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('low', fields.ForeignKeyField('models.Author', source_field='low_id', db_constraint=True, to_field='id', related_name='pairs_low', on_delete=OnDelete.CASCADE)),
                ('high', fields.ForeignKeyField('models.Author', source_field='high_id', db_constraint=True, to_field='id', related_name='pairs_high', on_delete=OnDelete.CASCADE)),
                ('shared_works', fields.IntField()),
                ('first_year', fields.IntField(null=True)),
                ('last_year', fields.IntField(null=True)),
            ],
            options={'table': 'collaboration_pair', 'app': 'models', 'unique_together': (('low', 'high'),), 'indexes': [Index(fields=['low_id', 'shared_works', 'last_year']), Index(fields=['high_id', 'shared_works', 'last_year'])], 'pk_attr': 'id', 'table_description': 'One row per co-author pair, stored once: `low_id < high_id`.'},
            bases=['Model'],
        ),
        ops.RunPython(_once, _both_ways),
        ops.DeleteModel(name='Collaboration'),
        ops.RunSQL(_VIEW, "DROP VIEW collaboration"),
    ]
