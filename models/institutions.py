"""Institutions (OpenAlex `I…` records, identified by ROR where they have one), and how they
relate to each other (OpenAlex `lineage` and `associated_institutions`)."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.enums import InstitutionRelationship


class Institution(Model):
    id = fields.IntField(primary_key=True)
    display_name = fields.CharField(max_length=512)
    name_key = fields.CharField(max_length=512, db_index=True)
    openalex_id = fields.CharField(max_length=32, null=True, unique=True)
    ror = fields.CharField(max_length=64, null=True, unique=True)
    country_code = fields.CharField(max_length=8, null=True)
    type = fields.CharField(max_length=64, null=True)
    works_count = fields.IntField(default=0)

    class Meta:
        table = "institution"


class InstitutionLink(Model):
    """One entry of an institution's `lineage` (itself, then its ancestors, in the record's
    order) or `associated_institutions` (PARENT, CHILD, RELATED). Kept by OpenAlex id, like
    citations: an institution not imported yet is linked when it arrives."""

    id = fields.IntField(primary_key=True)
    institution: fields.ForeignKeyRelation[Institution] = fields.ForeignKeyField(
        "models.Institution", related_name="links", on_delete=fields.CASCADE
    )
    kind = fields.CharEnumField(InstitutionRelationship, max_length=16)
    position = fields.IntField()
    other_key = fields.CharField(max_length=32)
    other: fields.ForeignKeyNullableRelation[Institution] = fields.ForeignKeyField(
        "models.Institution", related_name="linked_by", null=True, on_delete=fields.SET_NULL
    )

    class Meta:
        table = "institution_link"
        unique_together = (("institution", "kind", "other_key"),)
        indexes = (("other_key",),)
