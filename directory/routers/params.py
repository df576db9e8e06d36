"""Path and query parameters shared by the routers, bounded so no value reaches the database
that it cannot hold: ids within a signed 64-bit integer, no control character in search text
(NUL, which PostgreSQL's text cannot hold, nor directory.models.SEPARATOR)."""

from ninja import P, PathEx, QueryEx

MAX_ID = 2**63 - 1

UserId = PathEx[int, P(ge=1, le=MAX_ID, description="User id.")]
GroupId = PathEx[int, P(ge=1, le=MAX_ID, description="Group id.")]
Search = QueryEx[
    str | None,
    P(
        max_length=150,
        pattern=r"^[^\x00-\x1f\x7f]*$",
        description="Case-insensitive substring to filter by (no control characters).",
    ),
]
EventId = PathEx[int, P(ge=1, le=MAX_ID, description="Audit event id.")]
