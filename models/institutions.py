"""Institutions (OpenAlex `I…` records, identified by ROR where they have one)."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


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
