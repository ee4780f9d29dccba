from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0005_search')]

    initial = False

    operations = [
        ops.CreateModel(
            name='RelatedWork',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('work', fields.ForeignKeyField('models.Work', source_field='work_id', db_constraint=True, to_field='id', related_name='related_links', on_delete=OnDelete.CASCADE)),
                ('related_key', fields.CharField(max_length=32)),
                ('related', fields.ForeignKeyField('models.Work', source_field='related_id', null=True, db_constraint=True, to_field='id', related_name='related_by_links', on_delete=OnDelete.SET_NULL)),
            ],
            options={'table': 'related_work', 'app': 'models', 'unique_together': (('work', 'related_key'),), 'indexes': [Index(fields=['related_id', 'work_id']), Index(fields=['related_key'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
