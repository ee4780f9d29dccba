"""Enumerations stored in the database and shared with the GraphQL schema."""

from __future__ import annotations

from enum import Enum


class WorkType(str, Enum):
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


class TopicScheme(str, Enum):
    OPENALEX = "OPENALEX"
    ARXIV = "ARXIV"


class SourceType(str, Enum):
    REPOSITORY = "REPOSITORY"
    JOURNAL = "JOURNAL"
    CONFERENCE = "CONFERENCE"
    BOOK_SERIES = "BOOK_SERIES"
    OTHER = "OTHER"


class ClaimStatus(str, Enum):
    UNCLAIMED = "UNCLAIMED"
    PENDING = "PENDING"
    CLAIMED = "CLAIMED"
    VERIFIED = "VERIFIED"
    REJECTED = "REJECTED"


class InvitationStatus(str, Enum):
    PENDING = "PENDING"
    ACCEPTED = "ACCEPTED"
    DECLINED = "DECLINED"


class ApiTier(str, Enum):
    PARTNER = "partner"
    INTERNAL = "internal"
