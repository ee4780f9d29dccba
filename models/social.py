"""Users, their API tokens, follows, claims and invitations; partner API keys.

Secrets (tokens, API keys) are stored only as SHA-256 digests; passwords as argon2id hashes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from models.enums import ApiTier, ClaimStatus, InvitationStatus

if TYPE_CHECKING:
    from models.authors import Author


class User(Model):
    id = fields.IntField(primary_key=True)
    email = fields.CharField(max_length=320, unique=True)
    password_hash = fields.CharField(max_length=255, null=True)
    is_admin = fields.BooleanField(default=False)
    orcid = fields.CharField(max_length=19, null=True)
    orcid_verified = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "app_user"


class Token(Model):
    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="tokens", on_delete=fields.CASCADE
    )
    token_hash = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "token"


class Follow(Model):
    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="follows", on_delete=fields.CASCADE
    )
    author: fields.ForeignKeyRelation[Author] = fields.ForeignKeyField(
        "models.Author", related_name="follows", on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "follow"
        unique_together = (("user", "author"),)


class Claim(Model):
    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="claims", on_delete=fields.CASCADE
    )
    author: fields.ForeignKeyRelation[Author] = fields.ForeignKeyField(
        "models.Author", related_name="claims", on_delete=fields.CASCADE
    )
    status = fields.CharEnumField(ClaimStatus, default=ClaimStatus.PENDING, max_length=16)
    orcid = fields.CharField(max_length=19, null=True)
    note = fields.TextField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    reviewed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "claim"


class Invitation(Model):
    id = fields.IntField(primary_key=True)
    sender: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="sent_invitations", on_delete=fields.CASCADE
    )
    author: fields.ForeignKeyRelation[Author] = fields.ForeignKeyField(
        "models.Author", related_name="invitations", on_delete=fields.CASCADE
    )
    message = fields.TextField()
    status = fields.CharEnumField(InvitationStatus, default=InvitationStatus.PENDING, max_length=16)
    created_at = fields.DatetimeField(auto_now_add=True)
    responded_at = fields.DatetimeField(null=True)

    class Meta:
        table = "invitation"
        indexes = (("sender_id", "created_at"),)


class ApiKey(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200)
    key_hash = fields.CharField(max_length=64, unique=True)
    prefix = fields.CharField(max_length=16)
    tier = fields.CharEnumField(ApiTier, default=ApiTier.PARTNER, max_length=16)
    hourly_budget = fields.IntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_key"
