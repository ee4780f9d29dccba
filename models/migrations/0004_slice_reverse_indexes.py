from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0003_claim_uniqueness')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='AuthorAffiliation',
            index=Index(fields=['institution_id', 'author_id']),
        ),
        ops.AddIndex(
            model_name='AuthorTopic',
            index=Index(fields=['topic_id', 'work_count']),
        ),
    ]
