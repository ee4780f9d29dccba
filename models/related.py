"""OpenAlex `related_works`: the works OpenAlex lists as related to a work (the graph explorer's
RELATED edges). Kept by OpenAlex id, like `Citation`, so a related work that is not imported yet
is linked when it arrives (importers/refresh.py)."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.works import Work


class RelatedWork(Model):
    id = fields.IntField(primary_key=True)
    work: fields.ForeignKeyRelation[Work] = fields.ForeignKeyField(
        "models.Work", related_name="related_links", on_delete=fields.CASCADE
    )
    related_key = fields.CharField(max_length=32)
    related: fields.ForeignKeyNullableRelation[Work] = fields.ForeignKeyField(
        "models.Work", related_name="related_by_links", null=True, on_delete=fields.SET_NULL
    )

    class Meta:
        table = "related_work"
        unique_together = (("work", "related_key"),)
        indexes = (("related_id", "work_id"), ("related_key",))


class WorkSimilar(Model):
    """A work's strongest co-cited and coupled works (importers/similarity.py): for each work and
    kind, its `PEERGRAPH_SIMILAR_WORKS_PER_WORK` strongest neighbours of weight at least
    `PEERGRAPH_SIMILAR_MIN_WEIGHT`, one row each. A pair is a neighbour when either work lists
    the other; graph slices read both directions (workers/similarity_sql.py)."""

    id = fields.IntField(primary_key=True)
    work: fields.ForeignKeyRelation[Work] = fields.ForeignKeyField(
        "models.Work", related_name="similar_links", on_delete=fields.CASCADE
    )
    #: 1 CO_CITED (weight: works citing both), 2 COUPLED (weight: shared references)
    kind = fields.SmallIntField()
    other: fields.ForeignKeyRelation[Work] = fields.ForeignKeyField(
        "models.Work", related_name="similar_by_links", on_delete=fields.CASCADE
    )
    weight = fields.IntField()

    class Meta:
        table = "work_similar"
        unique_together = (("work", "kind", "other"),)
        indexes = (("other_id", "kind", "work_id", "weight"),)
