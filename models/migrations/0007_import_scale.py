from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

async def _count_authors(_apps, editor) -> None:
    await editor.client.execute_script(
        "UPDATE work SET author_count ="
        " (SELECT COUNT(*) FROM authorship a WHERE a.work_id = work.id)"
    )


class Migration(migrations.Migration):
    dependencies = [('models', '0006_explorer')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ImportRun',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharField(max_length=16)),
                ('started_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('pid', fields.IntField(description='the importing process, to tell which machine and process a leftover row came from')),
                ('host', fields.CharField(max_length=255)),
                ('repaired_by', fields.ForeignKeyField('models.ImportRun', source_field='repaired_by_id', null=True, db_constraint=True, to_field='id', related_name='repaired', on_delete=OnDelete.SET_NULL)),
            ],
            options={'table': 'import_run', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Author',
            name='source_updated',
            field=fields.CharField(null=True, max_length=32),
        ),
        ops.AddField(
            model_name='Work',
            name='author_count',
            field=fields.IntField(default=0, db_default=0),
        ),
        ops.AddField(
            model_name='Work',
            name='source_updated',
            field=fields.CharField(null=True, max_length=32),
        ),
        # works imported before this migration: their authorships are all stored
        ops.RunPython(_count_authors, ops.RunPython.noop),
    ]
