"""Topics: OpenAlex topics with their hierarchy, and arXiv categories (scheme ARXIV)."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.enums import TopicScheme


class Topic(Model):
    id = fields.IntField(primary_key=True)
    scheme = fields.CharEnumField(TopicScheme, max_length=16)
    #: `T11211` for OpenAlex, `cs.CL` for arXiv.
    external_id = fields.CharField(max_length=64)
    display_name = fields.CharField(max_length=512)
    name_key = fields.CharField(max_length=512, db_index=True)
    description = fields.TextField(null=True)
    subfield = fields.CharField(max_length=255, null=True)
    field = fields.CharField(max_length=255, null=True)
    domain = fields.CharField(max_length=255, null=True)
    works_count = fields.IntField(default=0)

    class Meta:
        table = "topic"
        unique_together = (("scheme", "external_id"),)
