from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

# A covering index for the columns graph slices rank and filter works by (workers/slice_sql.py,
# workers/similarity_sql.py, workers/slice_nodes.py): a slice joins `work` by id for each
# neighbour it weighs (the citing works of a much-cited seed, the works of a topic), and each
# such lookup read a heap page of the wide `work` row (title, abstract). With the four columns
# in one index the joins are index-only.


class Migration(migrations.Migration):
    dependencies = [('models', '0011_work_similar')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='Work',
            index=Index(fields=['id', 'cited_by_count', 'pub_sort', 'publication_year']),
        ),
    ]
