"""Authors, their affiliations, and the aggregates derived from authorships.

`CollaborationPair` and `AuthorTopic` are aggregate tables refreshed after every import
(`importers.refresh`), so that reading collaborators or topics never scans authorships.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from models.enums import ClaimStatus

if TYPE_CHECKING:
    from models.institutions import Institution
    from models.topics import Topic


class Author(Model):
    id = fields.IntField(primary_key=True)
    display_name = fields.CharField(max_length=512)
    #: lower-cased, accent-free, punctuation-free name: search and arXiv identity.
    name_key = fields.CharField(max_length=512, db_index=True)
    alternative_names: fields.Field[list[str]] = fields.JSONField(default=list)
    description = fields.TextField(null=True)
    orcid = fields.CharField(max_length=19, null=True, unique=True)
    openalex_id = fields.CharField(max_length=32, null=True, unique=True)
    #: identity of an author known only from arXiv metadata: `arxiv:` + name_key.
    arxiv_key = fields.CharField(max_length=600, null=True, unique=True)
    open_to_collaborate = fields.BooleanField(default=False)
    claim_status = fields.CharEnumField(ClaimStatus, default=ClaimStatus.UNCLAIMED, max_length=16)
    # cached counters, refreshed by importers.refresh and by the social mutations
    works_count = fields.IntField(default=0, db_index=True)
    cited_by_count = fields.IntField(default=0)
    h_index = fields.IntField(default=0)
    i10_index = fields.IntField(default=0)
    followers_count = fields.IntField(default=0)
    topics_count = fields.IntField(default=0)
    close_collaborators_count = fields.IntField(default=0)
    #: at least one work with a DOI or arXiv id (part of verification level L1).
    has_persistent_work = fields.BooleanField(default=False)
    #: {"2021": [works, citations]} from OpenAlex `counts_by_year` or from works.
    counts_by_year: fields.Field[dict[str, list[int]]] = fields.JSONField(default=dict)
    # h_index, i10_index and counts_by_year came from an OpenAlex author record; the aggregate
    # refresh computes them from the works present only when this is false.
    metrics_from_openalex = fields.BooleanField(default=False)
    #: OpenAlex updated_date of the record stored: an older record does not replace it
    source_updated = fields.CharField(max_length=32, null=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "author"


class AuthorAffiliation(Model):
    id = fields.IntField(primary_key=True)
    author: fields.ForeignKeyRelation[Author] = fields.ForeignKeyField(
        "models.Author", related_name="affiliations", on_delete=fields.CASCADE
    )
    institution: fields.ForeignKeyRelation[Institution] = fields.ForeignKeyField(
        "models.Institution", related_name="members", on_delete=fields.CASCADE
    )
    years: fields.Field[list[int]] = fields.JSONField(default=list)
    first_year = fields.IntField(null=True)
    last_year = fields.IntField(null=True)

    class Meta:
        table = "author_affiliation"
        unique_together = (("author", "institution"),)
        #: an institution's members (graph slices walk institution → author)
        indexes = (("institution_id", "author_id"),)


class CollaborationPair(Model):
    """One row per co-author pair, stored once: `low_id < high_id`.

    Readers use the `collaboration` view (models/migrations/0010_collaboration_pairs.py), which
    shows each pair both ways as `(author_id, coauthor_id, shared_works, first_year, last_year)`;
    a filter on `author_id` there becomes an index lookup on each side of this table.
    """

    id = fields.IntField(primary_key=True)
    low: fields.ForeignKeyRelation[Author] = fields.ForeignKeyField(
        "models.Author", related_name="pairs_low", on_delete=fields.CASCADE
    )
    high: fields.ForeignKeyRelation[Author] = fields.ForeignKeyField(
        "models.Author", related_name="pairs_high", on_delete=fields.CASCADE
    )
    shared_works = fields.IntField()
    first_year = fields.IntField(null=True)
    last_year = fields.IntField(null=True)

    class Meta:
        table = "collaboration_pair"
        unique_together = (("low", "high"),)
        indexes = (
            ("low_id", "shared_works", "last_year"),
            ("high_id", "shared_works", "last_year"),
        )


class AuthorTopic(Model):
    id = fields.IntField(primary_key=True)
    author: fields.ForeignKeyRelation[Author] = fields.ForeignKeyField(
        "models.Author", related_name="topic_stats", on_delete=fields.CASCADE
    )
    topic: fields.ForeignKeyRelation[Topic] = fields.ForeignKeyField(
        "models.Topic", related_name="author_stats", on_delete=fields.CASCADE
    )
    work_count = fields.IntField()

    class Meta:
        table = "author_topic"
        unique_together = (("author", "topic"),)
        #: a topic's authors (graph slices walk topic → author, strongest first)
        indexes = (("author_id", "work_count"), ("topic_id", "work_count"))
