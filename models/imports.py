"""The imports that ran: a row per `run_import`, finished or not.

A run inserts its row before writing anything and sets `finished_at` once its aggregates are
refreshed and the slice data version is bumped. A row left unfinished (the import was killed)
tells the next run to repair what it left: recompute every aggregate and bump the version.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class ImportRun(Model):
    id = fields.IntField(primary_key=True)
    kind = fields.CharField(max_length=16)
    started_at = fields.DatetimeField(auto_now_add=True)
    #: null while the run is going on, or forever if it was killed
    finished_at = fields.DatetimeField(null=True)
    #: the importing process, to tell which machine and process a leftover row came from
    pid = fields.IntField()
    host = fields.CharField(max_length=255)
    #: set by the run that repaired this one (recomputed the aggregates, bumped the version)
    repaired_by: fields.ForeignKeyNullableRelation[ImportRun] = fields.ForeignKeyField(
        "models.ImportRun", related_name="repaired", null=True, on_delete=fields.SET_NULL
    )

    class Meta:
        table = "import_run"
