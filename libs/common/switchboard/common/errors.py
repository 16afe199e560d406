"""Errors that know their HTTP status, rendered as RFC 9457 problem+json.

Domain code raises these; one set of handlers (installed by the app factory)
turns them into `application/problem+json`. Nothing below the API layer knows
about HTTP beyond the status a problem carries.
"""

from __future__ import annotations

from typing import Any

PROBLEM_JSON = "application/problem+json"


class Problem(Exception):
    status: int = 400
    title: str = "Bad request"
    type_slug: str = "bad-request"

    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extensions = extensions

    def to_body(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": f"https://switchboard.dev/problems/{self.type_slug}",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            body["instance"] = instance
        body.update(self.extensions)
        return body


class Unauthorized(Problem):
    status, title, type_slug = 401, "Unauthorized", "unauthorized"


class Forbidden(Problem):
    status, title, type_slug = 403, "Forbidden", "forbidden"


class NotFound(Problem):
    status, title, type_slug = 404, "Not found", "not-found"


class Conflict(Problem):
    status, title, type_slug = 409, "Conflict", "conflict"


class PayloadTooLarge(Problem):
    status, title, type_slug = 413, "Payload too large", "payload-too-large"


class Unprocessable(Problem):
    status, title, type_slug = 422, "Unprocessable content", "validation"

    @classmethod
    def from_lines(cls, lines: list[str]) -> Unprocessable:
        """A 422 from a service's own "field: message" checks, with `errors` shaped as request
        validation shapes them, so a form can put each message next to its field."""
        errors = []
        for line in lines:
            field, separator, message = line.partition(": ")
            if not separator:
                field, message = "", line
            errors.append({"field": field, "message": message})
        return cls("; ".join(lines), problems=lines, errors=errors)


class TooManyRequests(Problem):
    status, title, type_slug = 429, "Too many requests", "rate-limited"


class Unavailable(Problem):
    status, title, type_slug = 503, "Service unavailable", "unavailable"
