"""schemathesis hooks for `make fuzz` (loaded through SCHEMATHESIS_HOOKS).

peergraph answers expected failures (a malformed id, `first` out of range, a missing login) with
coded GraphQL errors, which schemathesis' own `not_a_server_error` counts as server errors. This
check fails on what is a server error here: an HTTP 5xx, or an error masked as `INTERNAL`
(an unexpected exception), or an error without `extensions.code`.
"""

from __future__ import annotations

from typing import Any

import schemathesis


@schemathesis.check
def no_server_error(ctx: Any, response: Any, case: Any) -> bool | None:
    if response.status_code >= 500:
        raise AssertionError(f"HTTP {response.status_code}: {response.text[:500]}")
    try:
        body = response.json()
    except ValueError:
        raise AssertionError(f"not JSON: {response.text[:200]}") from None
    bodies = body if isinstance(body, list) else [body]
    for item in bodies:
        for error in item.get("errors") or []:
            code = (error.get("extensions") or {}).get("code")
            if code is None or code == "INTERNAL":
                raise AssertionError(f"error {code or 'without a code'}: {error}")
    return None
