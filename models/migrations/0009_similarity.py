from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

# Covering indexes for the similarity edges of graph slices (workers/similarity_sql.py): a
# co-citation reads a citing work's references by (citing_id, cited_id), a coupling the works
# citing one reference by (cited_key, citing_id, cited_id), both index-only. Without them a
# co-citation hash-joins the whole citation table and a coupling fetches a heap row per pair.
# Depends on 0007 for now: 0008_record_fields.py lands in parallel, and the merge orders them.


class Migration(migrations.Migration):
    dependencies = [('models', '0008_record_fields')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='Citation',
            index=Index(fields=['citing_id', 'cited_id']),
        ),
        ops.AddIndex(
            model_name='Citation',
            index=Index(fields=['cited_key', 'citing_id', 'cited_id']),
        ),
    ]
