from http import HTTPStatus

# RFC 9110 §9.2.1: the methods that only read.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# RFC 9110 §15.5 renamed these four; Python's HTTPStatus took the new names only in 3.13, so
# without this the 3.11 and 3.12 answers and OpenAPI descriptions would differ from 3.13's.
RFC_9110_RENAMED = {
    413: "Content Too Large",  # §15.5.14, formerly "Request Entity Too Large"
    414: "URI Too Long",  # §15.5.15, formerly "Request-URI Too Long"
    416: "Range Not Satisfiable",  # §15.5.17, formerly "Requested Range Not Satisfiable"
    422: "Unprocessable Content",  # §15.5.21, formerly "Unprocessable Entity" (RFC 4918)
}


def reason_phrase(status: int) -> str:
    """The status code's reason phrase as RFC 9110 §15 names it, the same on every Python.

    Raises ValueError for a code outside the IANA registry, as HTTPStatus does.
    """
    return RFC_9110_RENAMED.get(status) or HTTPStatus(status).phrase
