"""Enumerations stored in the database and shared with the GraphQL schema."""

from __future__ import annotations

from enum import StrEnum


class WorkType(StrEnum):
    ARTICLE = "ARTICLE"
    PREPRINT = "PREPRINT"
    BOOK = "BOOK"
    BOOK_CHAPTER = "BOOK_CHAPTER"
    DATASET = "DATASET"
    DISSERTATION = "DISSERTATION"
    REVIEW = "REVIEW"
    LETTER = "LETTER"
    EDITORIAL = "EDITORIAL"
    REPORT = "REPORT"
    OTHER = "OTHER"


class TopicScheme(StrEnum):
    OPENALEX = "OPENALEX"
    ARXIV = "ARXIV"


class SourceType(StrEnum):
    REPOSITORY = "REPOSITORY"
    JOURNAL = "JOURNAL"
    CONFERENCE = "CONFERENCE"
    BOOK_SERIES = "BOOK_SERIES"
    OTHER = "OTHER"


class OpenAccessStatus(StrEnum):
    """OpenAlex `open_access.oa_status`, upper-cased."""

    GOLD = "GOLD"
    GREEN = "GREEN"
    HYBRID = "HYBRID"
    BRONZE = "BRONZE"
    DIAMOND = "DIAMOND"
    CLOSED = "CLOSED"


class InstitutionRelationship(StrEnum):
    """How an institution relates to another (OpenAlex `lineage`, `associated_institutions`)."""

    LINEAGE = "LINEAGE"
    PARENT = "PARENT"
    CHILD = "CHILD"
    RELATED = "RELATED"


class ClaimStatus(StrEnum):
    UNCLAIMED = "UNCLAIMED"
    PENDING = "PENDING"
    CLAIMED = "CLAIMED"
    VERIFIED = "VERIFIED"
    REJECTED = "REJECTED"


class InvitationStatus(StrEnum):
    PENDING = "PENDING"
    ACCEPTED = "ACCEPTED"
    DECLINED = "DECLINED"


class ApiTier(StrEnum):
    PARTNER = "partner"
    INTERNAL = "internal"
