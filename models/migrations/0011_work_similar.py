from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

# Each work's strongest co-cited and coupled works (importers/similarity.py, refreshed with the
# aggregates), so that graph slices read similarity neighbours, edges and counts from an index
# instead of joining `citation` with itself (docs/slices.md). Empty until the next
# refresh: `peergraph` runs one after every import; run `refresh_aggregates()` (the nightly
# cron) to fill it for a database imported before.


class Migration(migrations.Migration):
    dependencies = [('models', '0010_collaboration_pairs')]

    initial = False

    operations = [
        ops.CreateModel(
            name='WorkSimilar',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('work', fields.ForeignKeyField('models.Work', source_field='work_id', db_constraint=True, to_field='id', related_name='similar_links', on_delete=OnDelete.CASCADE)),
                ('kind', fields.SmallIntField(description='1 CO_CITED (weight: works citing both), 2 COUPLED (weight: shared references)')),
                ('other', fields.ForeignKeyField('models.Work', source_field='other_id', db_constraint=True, to_field='id', related_name='similar_by_links', on_delete=OnDelete.CASCADE)),
                ('weight', fields.IntField()),
            ],
            options={'table': 'work_similar', 'app': 'models', 'unique_together': (('work', 'kind', 'other'),), 'indexes': [Index(fields=['other_id', 'kind', 'work_id', 'weight'])], 'pk_attr': 'id', 'table_description': "A work's strongest co-cited and coupled works (importers/similarity.py): for each work and"},
            bases=['Model'],
        ),
    ]
