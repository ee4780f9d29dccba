"""Errors with stable codes. Raised anywhere below a resolver; every GraphQL error the API
returns carries `extensions.code`, and these keep theirs."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError


class ApiError(GraphQLError):
    code = "BAD_REQUEST"

    def __init__(self, message: str, *, code: str | None = None, **extra: Any) -> None:
        self.code = code or type(self).code
        super().__init__(message, extensions={"code": self.code, **extra})


class BadUserInput(ApiError):
    code = "BAD_USER_INPUT"


class InvalidId(ApiError):
    code = "INVALID_ID"


class InvalidCursor(ApiError):
    code = "INVALID_CURSOR"


class ServiceUnavailable(ApiError):
    code = "SERVICE_UNAVAILABLE"
