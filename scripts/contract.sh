#!/usr/bin/env bash
# `make contract`: schemathesis against a live server (gunicorn on 127.0.0.1, a throwaway
# SQLite database), once with a read-only token and once with a full-scope one.
# Every check, at least $EXAMPLES generated cases per operation; fails on any finding.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PORT=${CONTRACT_PORT:-8765}
EXAMPLES=${CONTRACT_EXAMPLES:-100}
BASE="http://127.0.0.1:$PORT"
WORK=$(mktemp -d)
REPORTS=${CONTRACT_REPORTS:-test-artifacts/contract}
mkdir -p "$REPORTS"

export DATABASE_URL="sqlite:///$WORK/contract.sqlite3"
export DJANGO_DEBUG=false DJANGO_SECRET_KEY="contract-$RANDOM-$RANDOM-$RANDOM"
export DJANGO_SECURE_SSL_REDIRECT=false DJANGO_LOG_LEVEL=WARNING
"$BIN/python" -m config.oidc_keys "$WORK/oidc_private_key.pem"
export OIDC_RSA_PRIVATE_KEY_FILE="$WORK/oidc_private_key.pem"
export DJANGO_SUPERUSER_USERNAME=contract DJANGO_SUPERUSER_PASSWORD="$RANDOM-Contract-$RANDOM"
CLIENT_ID=contract CLIENT_SECRET="contract-secret-$RANDOM"

"$BIN/python" manage.py migrate --no-input -v 0
# The token's user gets an id that generated path parameters are unlikely to hit (the hooks
# also spare it): deleting or deactivating it would end the run's authentication.
# Some users and groups with small ids, which generated ids often are, to reach past the 404s.
"$BIN/python" manage.py shell -v 0 -c "from django.contrib.auth.models import Group, User
User.objects.create_superuser('contract', 'contract@example.com', '$DJANGO_SUPERUSER_PASSWORD', pk=7340033)
for n in range(1, 21):
    user = User.objects.create_user(f'user{n}', f'user{n}@example.com', pk=n)
    Group.objects.create(name=f'group{n}', pk=n).user_set.add(user)"
"$BIN/python" manage.py createapplication confidential password --name contract \
    --client-id "$CLIENT_ID" --client-secret "$CLIENT_SECRET" >/dev/null

export CONTRACT_USER_ID=7340033 SCHEMATHESIS_HOOKS=scripts.contract_hooks PYTHONPATH=.

# gunicorn, not runserver: runserver leaves an unread body on a kept-alive connection (e.g.
# after a 401) and answers the leftover bytes with an HTML 400. 8190 is gunicorn's largest
# request line: the default answers long generated URLs with its own HTML 414.
"$BIN/gunicorn" config.wsgi:application --bind "127.0.0.1:$PORT" --workers 2 \
    --limit-request-line 8190 --access-logfile - --config python:config.gunicorn_conf \
    >"$REPORTS/server.log" 2>&1 &
SERVER=$!
cleanup() {
    kill "$SERVER" 2>/dev/null || true
    wait "$SERVER" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

export BASE CLIENT_ID CLIENT_SECRET
"$BIN/python" - <<'PY'
import os, time, httpx
for _ in range(100):
    try:
        httpx.get(os.environ["BASE"] + "/openapi.json").raise_for_status()
        break
    except httpx.HTTPError:
        time.sleep(0.2)
PY

token() {  # a password grant over HTTP, as a client would get it
    "$BIN/python" -c '
import os, sys, httpx
response = httpx.post(
    os.environ["BASE"] + "/o/token/",
    auth=(os.environ["CLIENT_ID"], os.environ["CLIENT_SECRET"]),
    data={"grant_type": "password", "username": os.environ["DJANGO_SUPERUSER_USERNAME"],
          "password": os.environ["DJANGO_SUPERUSER_PASSWORD"], "scope": sys.argv[1]},
)
response.raise_for_status()
print(response.json()["access_token"])' "$1"
}

# Both tokens first: the full-scope run changes users, including the admin's password.
READ=$(token "read")
FULL=$(token "read write groups audit")

# One worker: Hypothesis's generation is not thread-safe on Python 3.11 (it raised
# "AST constructor recursion depth mismatch" inside schemathesis with two).
status=0
for run in "read-only:$READ" "full:$FULL"; do
    name=${run%%:*}
    echo "== schemathesis with the $name token"
    "$BIN/schemathesis" run "$BASE/openapi.json" --checks all --max-examples "$EXAMPLES" \
        --workers 1 --seed "${CONTRACT_SEED:-1}" --header "Authorization: Bearer ${run#*:}" \
        --report junit --report-junit-path "$REPORTS/$name.xml" "$@" || status=1
done
if [ "$status" -ne 0 ]; then
    echo "== server log (whole: $REPORTS/server.log)"; tail -n 50 "$REPORTS/server.log"
fi
exit "$status"
