"""Queries each benchmarked request makes, counted in-process on the benchmark's database.

Kept out of the server: production code carries no counting hook. Reads a JSON list of
requests on stdin, prints their query counts as a JSON list.
"""

import json
import os
import sys
import timeit
from contextlib import nullcontext

import django

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.contrib.auth.hashers import check_password, make_password  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from unaudited import without_audit  # noqa: E402 (bench/, this script's directory)

_patches = 0


def count(client: Client, request: dict[str, str]) -> int:
    global _patches
    executed: list[str] = []

    def record(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        executed.append(sql)
        return execute(sql, params, many, context)

    headers = {"Authorization": request["auth"]} if request.get("auth") else {}
    audit = nullcontext() if request.get("audited", True) else without_audit()
    with audit, connection.execute_wrapper(record):
        if request["method"] == "PATCH":  # a new name each time: an unchanged PATCH records none
            _patches += 1
            response = client.patch(
                request["path"],
                json.dumps({"first_name": f"Counted{_patches}"}),
                content_type="application/json",
                headers=headers,
            )
        elif request["method"] == "POST":
            response = client.post(
                request["path"],
                request["body"],
                content_type="application/x-www-form-urlencoded",
                headers=headers,
            )
        else:
            response = client.get(request["path"], headers=headers)
    if response.status_code >= 400:
        raise SystemExit(f"{request['path']}: {response.status_code} {response.content[:200]!r}")
    return len(executed)


def password_hash_ms() -> float:
    """One check of a user password with the default hasher, the yardstick of the password
    grant: best of 3, measured here, in the same run."""
    encoded = make_password("a-bench-password")
    timings = timeit.repeat(lambda: check_password("a-bench-password", encoded), number=1, repeat=3)
    return min(timings) * 1000


if __name__ == "__main__":
    client = Client()
    requests = json.load(sys.stdin)
    for request in requests:  # warm-up: first-use work (content types, etc.) is not per request
        count(client, request)
    counts = [count(client, request) for request in requests]
    print(json.dumps({"queries": counts, "password_hash_ms": password_hash_ms()}))
