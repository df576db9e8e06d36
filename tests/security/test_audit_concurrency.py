"""Concurrent writers on two server processes never fork the audit trail's hash chain."""

from collections.abc import Iterator
from functools import partial

import pytest

from tests.security.live import Service, live_service, run
from tests.security.test_concurrency import PARALLEL, all_at_once, assert_no_server_errors


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    with live_service(tmp_path_factory.mktemp("live")) as running:
        yield running


def test_concurrent_writes_on_two_servers_keep_the_chain_intact(service: Service) -> None:
    # The service's own setup records some (its users, group, permissions and application).
    before = service.shell("from audit.models import AuditEvent; print(AuditEvent.objects.count())")
    members = f"/groups/{service.group}/members"
    writes = [
        partial(service.request, n, "POST", "/groups/", {"name": f"audited{n}"})
        if n % 2
        else partial(service.request, n, "PUT", f"{members}/{service.members[n // 2]}/")
        for n in range(PARALLEL)
    ]
    replies = all_at_once(writes)
    assert_no_server_errors(service, replies)
    assert sorted(reply.status for reply in replies) == [201] * 10 + [204] * 10

    verified = run(service.env, "audit_verify").stdout.splitlines()[0]
    assert verified == f"{before + PARALLEL} events, chain intact"
    links = service.shell(
        "import json; from audit.models import AuditEvent; "
        "print(json.dumps(list(AuditEvent.objects.values_list('previous_hash', flat=True))))"
    )
    assert len(set(links)) == before + PARALLEL  # no two events chained to one head
