"""Path and query parameters shared by the routers, bounded so no value reaches the database
that it cannot hold: ids within a signed 64-bit integer, no NUL in search text."""

from ninja import P, PathEx, QueryEx

MAX_ID = 2**63 - 1

UserId = PathEx[int, P(ge=1, le=MAX_ID, description="User id.")]
GroupId = PathEx[int, P(ge=1, le=MAX_ID, description="Group id.")]
Search = QueryEx[
    str | None,
    P(
        max_length=150,
        pattern=r"^[^\x00]*$",
        description="Case-insensitive substring to filter by.",
    ),
]
EventId = PathEx[int, P(ge=1, le=MAX_ID, description="Audit event id.")]
