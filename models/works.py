"""Works, their venues (sources), ordered authorships, topics and citations."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from models.enums import OpenAccessStatus, SourceType, WorkType

if TYPE_CHECKING:
    from models.authors import Author
    from models.institutions import Institution
    from models.topics import Topic


class Source(Model):
    id = fields.IntField(primary_key=True)
    display_name = fields.CharField(max_length=512)
    #: OpenAlex id (`S…`) or, for venues known only by name, `name:` + normalized name.
    key = fields.CharField(max_length=600, unique=True)
    openalex_id = fields.CharField(max_length=32, null=True, unique=True)
    issn_l = fields.CharField(max_length=16, null=True)
    type = fields.CharEnumField(SourceType, default=SourceType.OTHER, max_length=16)

    class Meta:
        table = "source"


class Funder(Model):
    """An organisation that funds research (OpenAlex `F…` records, or a work's `grants`)."""

    id = fields.IntField(primary_key=True)
    openalex_id = fields.CharField(max_length=32, unique=True)
    display_name = fields.CharField(max_length=512)
    ror = fields.CharField(max_length=64, null=True, db_index=True)
    country_code = fields.CharField(max_length=8, null=True)

    class Meta:
        table = "funder"


class Work(Model):
    id = fields.IntField(primary_key=True)
    title = fields.TextField()
    abstract = fields.TextField(null=True)
    type = fields.CharEnumField(WorkType, default=WorkType.ARTICLE, max_length=16)
    publication_year = fields.IntField(null=True, db_index=True)
    publication_date = fields.DateField(null=True)
    #: yyyymmdd (or yyyy0000, or 0): a non-null key for "newest first" keyset pagination.
    pub_sort = fields.IntField(default=0, db_index=True)
    source: fields.ForeignKeyNullableRelation[Source] = fields.ForeignKeyField(
        "models.Source", related_name="works", null=True, on_delete=fields.SET_NULL
    )
    doi = fields.CharField(max_length=255, null=True, unique=True)
    arxiv_id = fields.CharField(max_length=64, null=True, unique=True)
    openalex_id = fields.CharField(max_length=32, null=True, unique=True)
    cited_by_count = fields.IntField(default=0, db_index=True)
    #: authorships in the record, all stored; only the first PEERGRAPH_COLLABORATION_MAX_AUTHORS
    #: of them form collaboration pairs (docs/importers.md)
    author_count = fields.IntField(default=0, db_default=0)
    #: OpenAlex updated_date of the record stored: an older record does not replace it
    source_updated = fields.CharField(max_length=32, null=True)
    #: lower-cased title for search.
    title_key = fields.TextField()
    updated_at = fields.DatetimeField(auto_now=True)
    # what the OpenAlex record carries beyond the graph (importers/record_fields.py parses it)
    #: null when the record says nothing about open access (arXiv records)
    is_oa = fields.BooleanField(null=True)
    oa_status = fields.CharEnumField(OpenAccessStatus, max_length=16, null=True)
    oa_url = fields.TextField(null=True)
    #: ISO 639-1 code (`en`) as OpenAlex detects it
    language = fields.CharField(max_length=16, null=True, db_index=True)
    #: [[display name, score], …] in the record's order
    keywords: fields.Field[list[list[object]] | None] = fields.JSONField(null=True)
    #: {"2021": citations received in 2021}
    counts_by_year: fields.Field[dict[str, int] | None] = fields.JSONField(null=True)
    #: every reference the record lists, imported or not
    referenced_works_count = fields.IntField(default=0, db_default=0)
    is_retracted = fields.BooleanField(default=False, db_default=False)
    biblio_volume = fields.CharField(max_length=64, null=True)
    biblio_issue = fields.CharField(max_length=64, null=True)
    biblio_first_page = fields.CharField(max_length=64, null=True)
    biblio_last_page = fields.CharField(max_length=64, null=True)
    #: arXiv `journal-ref`, as the record gives it (the venue and year are parsed from it)
    journal_ref = fields.TextField(null=True)

    class Meta:
        table = "work"
        #: covers the slices' joins by id for the ranking columns (migration 0012)
        indexes = (("id", "cited_by_count", "pub_sort", "publication_year"),)


class Authorship(Model):
    id = fields.IntField(primary_key=True)
    work: fields.ForeignKeyRelation[Work] = fields.ForeignKeyField(
        "models.Work", related_name="authorships", on_delete=fields.CASCADE
    )
    #: null when the record names an author without an id (OpenAlex does this).
    author: fields.ForeignKeyNullableRelation[Author] = fields.ForeignKeyField(
        "models.Author", related_name="authorships", null=True, on_delete=fields.SET_NULL
    )
    position = fields.IntField()
    raw_name = fields.CharField(max_length=512)
    is_corresponding = fields.BooleanField(default=False)

    class Meta:
        table = "authorship"
        unique_together = (("work", "position"),)
        indexes = (("author_id", "work_id"),)


class AuthorshipInstitution(Model):
    id = fields.IntField(primary_key=True)
    authorship: fields.ForeignKeyRelation[Authorship] = fields.ForeignKeyField(
        "models.Authorship", related_name="institution_links", on_delete=fields.CASCADE
    )
    institution: fields.ForeignKeyRelation[Institution] = fields.ForeignKeyField(
        "models.Institution", related_name="authorship_links", on_delete=fields.CASCADE
    )

    class Meta:
        table = "authorship_institution"
        unique_together = (("authorship", "institution"),)


class WorkTopic(Model):
    id = fields.IntField(primary_key=True)
    work: fields.ForeignKeyRelation[Work] = fields.ForeignKeyField(
        "models.Work", related_name="topic_links", on_delete=fields.CASCADE
    )
    topic: fields.ForeignKeyRelation[Topic] = fields.ForeignKeyField(
        "models.Topic", related_name="work_links", on_delete=fields.CASCADE
    )
    score = fields.FloatField(default=1.0)
    is_primary = fields.BooleanField(default=False)

    class Meta:
        table = "work_topic"
        unique_together = (("work", "topic"),)
        indexes = (("topic_id", "work_id"),)


class Citation(Model):
    """A reference from one work to another, named by OpenAlex id.

    The cited work is linked once it is in the database, so references resolve whatever order
    files are imported in."""

    id = fields.IntField(primary_key=True)
    citing: fields.ForeignKeyRelation[Work] = fields.ForeignKeyField(
        "models.Work", related_name="reference_links", on_delete=fields.CASCADE
    )
    cited_key = fields.CharField(max_length=32, db_index=True)
    cited: fields.ForeignKeyNullableRelation[Work] = fields.ForeignKeyField(
        "models.Work", related_name="citation_links", null=True, on_delete=fields.SET_NULL
    )

    class Meta:
        table = "citation"
        unique_together = (("citing", "cited_key"),)
        #: the last two cover the similarity edges' joins (migration 0009)
        indexes = (
            ("cited_id", "citing_id"),
            ("citing_id", "cited_id"),
            ("cited_key", "citing_id", "cited_id"),
        )


class WorkGrant(Model):
    """A work's funding: a funder and, when the record gives it, the award's id."""

    id = fields.IntField(primary_key=True)
    work: fields.ForeignKeyRelation[Work] = fields.ForeignKeyField(
        "models.Work", related_name="grant_links", on_delete=fields.CASCADE
    )
    funder: fields.ForeignKeyRelation[Funder] = fields.ForeignKeyField(
        "models.Funder", related_name="grant_links", on_delete=fields.CASCADE
    )
    #: the record's order
    position = fields.IntField()
    award_id = fields.CharField(max_length=255, null=True)

    class Meta:
        table = "work_grant"
        unique_together = (("work", "position"),)
        indexes = (("funder_id", "work_id"),)
