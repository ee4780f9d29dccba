from tortoise import migrations
from tortoise.migrations import operations as ops
from models.enums import InstitutionRelationship, OpenAccessStatus
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

async def _count_references(_apps, editor) -> None:
    # works imported before this migration: their references in the graph are all they had
    await editor.client.execute_script(
        "UPDATE work SET referenced_works_count ="
        " (SELECT COUNT(*) FROM citation c WHERE c.citing_id = work.id)"
    )


class Migration(migrations.Migration):
    dependencies = [('models', '0007_import_scale')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Funder',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('openalex_id', fields.CharField(unique=True, max_length=32)),
                ('display_name', fields.CharField(max_length=512)),
                ('ror', fields.CharField(null=True, db_index=True, max_length=64)),
                ('country_code', fields.CharField(null=True, max_length=8)),
            ],
            options={'table': 'funder', 'app': 'models', 'pk_attr': 'id', 'table_description': "An organisation that funds research (OpenAlex `F…` records, or a work's `grants`)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='InstitutionLink',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('institution', fields.ForeignKeyField('models.Institution', source_field='institution_id', db_constraint=True, to_field='id', related_name='links', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharEnumField(description='LINEAGE: LINEAGE\nPARENT: PARENT\nCHILD: CHILD\nRELATED: RELATED', enum_type=InstitutionRelationship, max_length=16)),
                ('position', fields.IntField()),
                ('other_key', fields.CharField(max_length=32)),
                ('other', fields.ForeignKeyField('models.Institution', source_field='other_id', null=True, db_constraint=True, to_field='id', related_name='linked_by', on_delete=OnDelete.SET_NULL)),
            ],
            options={'table': 'institution_link', 'app': 'models', 'unique_together': (('institution', 'kind', 'other_key'),), 'indexes': [Index(fields=['other_key'])], 'pk_attr': 'id', 'table_description': "One entry of an institution's `lineage` (itself, then its ancestors, in the record's"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WorkGrant',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('work', fields.ForeignKeyField('models.Work', source_field='work_id', db_constraint=True, to_field='id', related_name='grant_links', on_delete=OnDelete.CASCADE)),
                ('funder', fields.ForeignKeyField('models.Funder', source_field='funder_id', db_constraint=True, to_field='id', related_name='grant_links', on_delete=OnDelete.CASCADE)),
                ('position', fields.IntField(description="the record's order")),
                ('award_id', fields.CharField(null=True, max_length=255)),
            ],
            options={'table': 'work_grant', 'app': 'models', 'unique_together': (('work', 'position'),), 'indexes': [Index(fields=['funder_id', 'work_id'])], 'pk_attr': 'id', 'table_description': "A work's funding: a funder and, when the record gives it, the award's id."},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Work',
            name='biblio_first_page',
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddField(
            model_name='Work',
            name='biblio_issue',
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddField(
            model_name='Work',
            name='biblio_last_page',
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddField(
            model_name='Work',
            name='biblio_volume',
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddField(
            model_name='Work',
            name='counts_by_year',
            field=fields.JSONField(null=True, description='{"2021": citations received in 2021}', encoder=JSON_DUMPS, decoder=loads),
        ),
        ops.AddField(
            model_name='Work',
            name='is_oa',
            field=fields.BooleanField(null=True, description='null when the record says nothing about open access (arXiv records)'),
        ),
        ops.AddField(
            model_name='Work',
            name='is_retracted',
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AddField(
            model_name='Work',
            name='journal_ref',
            field=fields.TextField(null=True, description='arXiv `journal-ref`, as the record gives it (the venue and year are parsed from it)', unique=False),
        ),
        ops.AddField(
            model_name='Work',
            name='keywords',
            field=fields.JSONField(null=True, description="[[display name, score], …] in the record's order", encoder=JSON_DUMPS, decoder=loads),
        ),
        ops.AddField(
            model_name='Work',
            name='language',
            field=fields.CharField(null=True, db_index=True, description='ISO 639-1 code (`en`) as OpenAlex detects it', max_length=16),
        ),
        ops.AddField(
            model_name='Work',
            name='oa_status',
            field=fields.CharEnumField(null=True, description='GOLD: GOLD\nGREEN: GREEN\nHYBRID: HYBRID\nBRONZE: BRONZE\nDIAMOND: DIAMOND\nCLOSED: CLOSED', enum_type=OpenAccessStatus, max_length=16),
        ),
        ops.AddField(
            model_name='Work',
            name='oa_url',
            field=fields.TextField(null=True, unique=False),
        ),
        ops.AddField(
            model_name='Work',
            name='referenced_works_count',
            field=fields.IntField(default=0, description='every reference the record lists, imported or not', db_default=0),
        ),
        ops.RunPython(_count_references, ops.RunPython.noop),
    ]
