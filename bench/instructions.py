"""CPU instructions per API request, counted by valgrind: repeatable on a busy machine, where
req/s and even CPU time move with whatever else runs.

Seeds a fresh SQLite database (50 users, bench/seed.py), then for each endpoint runs a child
process under `valgrind --tool=callgrind` twice, making 0 and then 200 requests through
Django's test client after a warm-up; the difference over 200 is one request's instructions
(start-up cancels out). The garbage collector's heap is frozen after the warm-up, so a full
collection landing in one run and not the other does not count. Takes a few minutes.

    .venv/bin/python bench/instructions.py     # needs valgrind (Debian: apt-get install valgrind)
"""

import json
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYTHON = os.path.join(ROOT, ".venv", "bin", "python")
ENDPOINTS = ["/health/live/", "/users/{id}/", "/users/", "/users/?search=user12", "/groups/"]
REQUESTS = 200


def child(path: str, requests: int, seed: dict[str, object]) -> None:
    import gc

    import django

    sys.path.insert(0, ROOT)
    django.setup()
    from django.test import Client

    client = Client()
    headers = {"Authorization": f"Bearer {seed['token']}"}
    url = path.format(id=seed["user_id"])
    for _ in range(20):
        assert client.get(url, headers=headers).status_code == 200, url  # noqa: S101
    gc.freeze()
    for _ in range(requests):
        client.get(url, headers=headers)


def instructions(path: str, requests: int, env: dict[str, str]) -> int:
    valgrind = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
    done = subprocess.run(
        [*valgrind, PYTHON, __file__, "--child", path, str(requests)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return int(re.search(r"Collected : (\d+)", done.stderr).group(1))  # type: ignore[union-attr]


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        env = dict(
            os.environ,
            DATABASE_URL=f"sqlite:///{scratch}/instructions.sqlite3",
            DJANGO_SETTINGS_MODULE="config.settings",
            DJANGO_DEBUG="false",
            DJANGO_SECRET_KEY="bench-" + "k" * 50,
            DJANGO_SECURE_SSL_REDIRECT="false",
            PYTHONHASHSEED="0",
        )
        env["OIDC_RSA_PRIVATE_KEY"] = subprocess.run(
            [PYTHON, "-c", "from config.oidc_keys import generate_pem; print(generate_pem())"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        ).stdout
        seed = subprocess.run(
            [PYTHON, os.path.join(ROOT, "bench", "seed.py"), "50"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        env["BENCH_SEED"] = seed
        runs = [(path, n) for path in ENDPOINTS for n in (0, REQUESTS)]
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            counts = list(pool.map(lambda run: instructions(run[0], run[1], env), runs))
    print(f"SQLite, 50 users: instructions per request (valgrind, {REQUESTS} requests)")
    for index, path in enumerate(ENDPOINTS):
        per_request = (counts[2 * index + 1] - counts[2 * index]) / REQUESTS
        print(f"GET {path:30} {per_request:12,.0f}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], int(sys.argv[3]), json.loads(os.environ["BENCH_SEED"]))
    else:
        main()
