"""core.redaction: credential-named values out of log lines (the servers' request lines)."""

import logging

import pytest

from core.redaction import RedactCredentials, redact


@pytest.mark.parametrize(
    ("line", "redacted"),
    [
        (
            '"GET /o/introspect/?token=mF_9.B5f-4.1JqM HTTP/1.1" 405 207',
            '"GET /o/introspect/?token=*** HTTP/1.1" 405 207',
        ),
        (
            "GET /users/?limit=5&access_token=abc&search=ann HTTP/1.1",
            "GET /users/?limit=5&access_token=***&search=ann HTTP/1.1",
        ),
        (
            "POST /o/token/?username=bob&password=hunter2&client_secret=s3cr3t HTTP/1.1",
            "POST /o/token/?username=bob&password=***&client_secret=*** HTTP/1.1",
        ),
        (
            "GET /docs/oauth2-redirect?code=Splx&state=xyz HTTP/1.1",
            "GET /docs/oauth2-redirect?code=***&state=xyz HTTP/1.1",
        ),
        (
            "/o/token/?refresh_token=r1&code_verifier=v1",
            "/o/token/?refresh_token=***&code_verifier=***",
        ),
        ("/x?Access_Token=abc", "/x?Access_Token=***"),
        ("/x?access%5Ftoken=abc", "/x?access%5Ftoken=***"),  # read as access_token by Django
        ("/x?next=/y?token=abc&limit=1", "/x?next=/y?token=***&limit=1"),
        ("/x?token=abc?def#top", "/x?token=***#top"),
        ("/x?token=&limit=1", "/x?token=***&limit=1"),
        ("token=abc&limit=1", "token=***&limit=1"),  # gunicorn's %(q)s: no `?`
        (
            "code 400, message Bad request syntax ('GET /?token=abc x y')",
            "code 400, message Bad request syntax ('GET /?token=*** x y')",
        ),
        (
            '"GET /users/?limit=5&offset=10 HTTP/1.1" 200 512',
            '"GET /users/?limit=5&offset=10 HTTP/1.1" 200 512',
        ),
        ("/x?search=a=b", "/x?search=a=b"),
        ("nothing to see", "nothing to see"),
    ],
)
def test_credential_values_are_redacted_and_nothing_else(line: str, redacted: str) -> None:
    assert redact(line) == redacted


def record(message: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord("django.server", logging.INFO, __file__, 1, message, args, None)


def test_the_filter_rewrites_a_record_holding_a_credential() -> None:
    line = record('"%s" %s %s', "GET /?token=abc&q=100%25 HTTP/1.1", "405", "7")
    assert RedactCredentials().filter(line) is True
    assert line.getMessage() == '"GET /?token=***&q=100%25 HTTP/1.1" 405 7'


def test_the_filter_leaves_other_records_as_they_are() -> None:
    line = record('"%s" %s %s', "GET /users/?limit=5 HTTP/1.1", "200", "7")
    assert RedactCredentials().filter(line) is True
    assert line.args == ("GET /users/?limit=5 HTTP/1.1", "200", "7")


def test_the_filter_lets_a_malformed_record_through_to_its_handler() -> None:
    line = record("%s %s", "only one argument")
    assert RedactCredentials().filter(line) is True
