"""Keyset pagination (core.keyset) of every list: pages linked by `next`, counted on request,
with limit/offset kept for compatibility."""

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.test import Client
from django.utils import timezone

from audit import cursor as audit_cursor
from audit.models import AuditEvent
from audit.services import event_record
from core import keyset
from directory import pagination, selectors
from directory.schemas import UserOut
from tests.conftest import BearerFactory
from tests.factories import PASSWORD, GroupFactory, UserFactory

pytestmark = pytest.mark.django_db

Headers = dict[str, str]


def get(client: Client, url: str, headers: Headers) -> dict[str, Any]:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return body


def walk(
    client: Client, url: str, headers: Headers, between: Callable[[], None] = lambda: None
) -> list[dict[str, Any]]:
    """Every page from `url` on, by `next`; `between` runs after each page."""
    path, pages = urlsplit(url).path, list[dict[str, Any]]()
    next_url: str | None = url
    while next_url is not None:
        assert len(pages) < 100, "the walk does not end"
        body = get(client, next_url, headers)
        pages.append(body)
        next_url = body["next"]
        assert next_url is None or next_url.startswith(f"{path}?")
        between()
    return pages


def ids(pages: list[dict[str, Any]]) -> list[int]:
    return [item["id"] for page in pages for item in page["items"]]


@pytest.fixture
def directory() -> Group:
    """Seven users named kestrel* among others, seven groups, a group of every third user."""
    for n in range(7):
        UserFactory.create(username=f"kestrel{n}")
        UserFactory.create(username=f"other{n}")
        GroupFactory.create()
    team = GroupFactory.create()
    team.user_set.set(User.objects.order_by("id")[::3])
    return team


LISTS: dict[str, Callable[[Group], list[int]]] = {
    "/users/": lambda team: list(User.objects.order_by("id").values_list("id", flat=True)),
    # What the ORM's queryset of the search matches (Faker's names could hold it too).
    "/users/?search=KESTREL": lambda team: list(
        selectors.user_list(search="KESTREL").values_list("id", flat=True)
    ),
    "/groups/": lambda team: list(Group.objects.order_by("id").values_list("id", flat=True)),
    "/groups/{team}/members/": lambda team: list(
        team.user_set.order_by("id").values_list("id", flat=True)
    ),
}


def list_url(path: str, team: Group, **params: object) -> str:
    url = path.format(team=team.pk)
    query = "&".join(f"{name}={value}" for name, value in params.items())
    return f"{url}{'&' if '?' in url else '?'}{query}" if query else url


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("limit", [1, 2, 3, 7, 100])
def test_walking_a_list_by_next_gives_every_item_once_in_id_order(
    client: Client, bearer: BearerFactory, directory: Group, path: str, limit: int
) -> None:
    auth = bearer()
    expected = LISTS[path](directory)
    pages = walk(client, list_url(path, directory, limit=limit), auth)
    assert ids(pages) == expected
    # Read one row long: the last page is the last, even exactly full (7 kestrels, limit 7).
    assert [len(page["items"]) for page in pages[:-1]] == [limit] * (len(pages) - 1)
    assert 1 <= len(pages[-1]["items"]) <= limit
    assert all(page["count"] is None for page in pages)


@pytest.mark.parametrize("path", LISTS)
def test_next_keeps_search_and_limit_and_names_the_last_item(
    client: Client, bearer: BearerFactory, directory: Group, path: str
) -> None:
    first = get(client, list_url(path, directory, limit=2), bearer())
    query = parse_qs(urlsplit(first["next"]).query)
    assert query["limit"] == ["2"]
    assert query.get("search") == parse_qs(urlsplit(path).query).get("search")
    assert query["cursor"] == [pagination.CURSOR.write((first["items"][-1]["id"],))]


def test_an_empty_list_is_one_page_without_next(client: Client, bearer: BearerFactory) -> None:
    body = get(client, "/users/?search=nobody&count=true", bearer())
    assert body == {"items": [], "next": None, "count": 0}


def test_a_search_walk_skips_the_users_it_does_not_match(
    client: Client, bearer: BearerFactory
) -> None:
    """Matches far apart in id order: each page still holds `limit` of them."""
    needles = [
        UserFactory.create(username=f"needle{n}" if n % 7 == 0 else f"hay{n}").pk for n in range(30)
    ][::7]
    matches = list(selectors.user_list(search="eedl").values_list("id", flat=True))
    assert set(needles) <= set(matches)
    pages = walk(client, "/users/?search=eedl&limit=2", bearer())
    assert ids(pages) == matches
    assert [len(page["items"]) for page in pages[:-1]] == [2] * (len(pages) - 1)


@pytest.mark.parametrize("search", ["", "walker"])
def test_no_user_present_throughout_a_walk_is_skipped_or_repeated_while_others_come_and_go(
    client: Client, bearer: BearerFactory, search: str
) -> None:
    admin = bearer(perms=["auth.add_user", "auth.delete_user"])
    walkers = [UserFactory.create(username=f"walker{n}").pk for n in range(20)]
    UserFactory.create_batch(5)
    before = set(selectors.user_list(search=search).values_list("id", flat=True))
    # Deleted during the walk, ahead of its cursor and behind it.
    doomed = [walkers[i] for i in (15, 1, 18, 4, 10, 0, 19)]
    deletions, created = iter(doomed), list[int]()

    def churn() -> None:
        victim = next(deletions, None)
        if victim is not None:
            assert client.delete(f"/users/{victim}/", headers=admin).status_code == 204
        body = {"username": f"walker_new{len(created)}", "password": PASSWORD}
        response = client.post("/users/", body, "application/json", headers=admin)
        assert response.status_code == 201, response.content
        created.append(response.json()["id"])

    walked = ids(walk(client, f"/users/?search={search}&limit=3", admin, between=churn))
    assert len(created) >= len(doomed)
    assert walked == sorted(set(walked))  # in id order, none twice
    assert before - set(doomed) <= set(walked)
    assert set(walked) <= before | set(created)


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "0",
        "01",
        "-1",
        "+1",
        " 1",
        "1 ",
        "1\n",
        "1.2",
        "1e3",
        "abc",
        "\u0661\u0662",
        "9" * 19,
        "0x1f",
    ],
)
def test_a_malformed_cursor_is_a_422_naming_it(
    client: Client, bearer: BearerFactory, directory: Group, path: str, cursor: str
) -> None:
    response = client.get(path.format(team=directory.pk), {"cursor": cursor}, headers=bearer())
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "cursor"]


@pytest.mark.parametrize(
    "fmt", [pagination.CURSOR, audit_cursor.CURSOR], ids=["directory", "audit"]
)
@pytest.mark.parametrize(
    "text",
    ["1", "0", "00", "01", "10", "1.1", "0.1", "007.5", "1.0", "9" * 16 + ".1", "9" * 17 + ".1",
     "1." + "9" * 18, "1." + "9" * 19, "9" * 18, "9" * 19, "", ".", "1.", ".1", "1..1", "1.1.1",
     "\u0661", "1\n", "-1", "+1", " 1"],
)  # fmt: skip
def test_a_cursor_is_read_exactly_when_its_documented_pattern_matches(
    fmt: keyset.CursorFormat, text: str
) -> None:
    """What the OpenAPI document lets a client send is never refused, and what it refuses
    never reaches the database."""
    matches = re.fullmatch(fmt.pattern, text) is not None
    try:
        position = fmt.read(text)
    except keyset.MalformedCursor:
        assert not matches
    else:
        assert matches
        assert all(0 <= value < 2**63 for value in position)


def test_a_made_up_cursor_only_names_a_place_in_the_list(
    client: Client, bearer: BearerFactory
) -> None:
    users = UserFactory.create_batch(4)
    auth = bearer()
    gone = users[1].pk
    users[1].delete()
    after_gone = get(client, f"/users/?cursor={gone}", auth)
    assert [user["id"] for user in after_gone["items"]][:2] == [users[2].pk, users[3].pk]
    assert get(client, "/users/?cursor=" + "9" * 18, auth) == {
        "items": [],
        "next": None,
        "count": None,
    }


@pytest.mark.parametrize("path", LISTS)
def test_count_true_answers_the_exact_total_of_the_list_on_any_page(
    client: Client, bearer: BearerFactory, directory: Group, path: str
) -> None:
    auth, total = bearer(), len(LISTS[path](directory))
    first = get(client, list_url(path, directory, limit=2, count="true"), auth)
    assert first["count"] == total
    assert "count" not in parse_qs(urlsplit(first["next"]).query)
    assert get(client, first["next"], auth)["count"] is None
    deeper = get(client, f"{first['next']}&count=true", auth)
    assert deeper["count"] == total
    assert get(client, list_url(path, directory, count="false"), auth)["count"] is None


def test_count_is_not_a_guess(client: Client, bearer: BearerFactory) -> None:
    response = client.get("/users/?count=maybe", headers=bearer())
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "count"]


@pytest.mark.parametrize("path", LISTS)
def test_an_offset_page_is_the_same_slice_and_its_next_continues_by_cursor(
    client: Client, bearer: BearerFactory, directory: Group, path: str
) -> None:
    auth, expected = bearer(), LISTS[path](directory)
    page = get(client, list_url(path, directory, limit=2, offset=1), auth)
    assert [item["id"] for item in page["items"]] == expected[1:3]
    query = parse_qs(urlsplit(page["next"]).query)
    assert "offset" not in query
    assert query["cursor"] == [str(expected[2])]
    assert ids(walk(client, page["next"], auth)) == expected[3:]
    beyond = get(client, list_url(path, directory, offset=len(expected)), auth)
    assert (beyond["items"], beyond["next"]) == ([], None)


def test_an_offset_counts_past_the_cursor(
    client: Client, bearer: BearerFactory, directory: Group
) -> None:
    expected = LISTS["/users/"](directory)
    page = get(client, f"/users/?cursor={expected[2]}&offset=2&limit=3", bearer())
    assert [item["id"] for item in page["items"]] == expected[5:8]


def test_a_lists_etag_covers_its_next_link(client: Client, bearer: BearerFactory) -> None:
    """The same items with a new `next` are a new representation: a held tag no longer
    matches."""
    auth = bearer()
    UserFactory.create()
    held = client.get("/users/?limit=2", headers=auth)
    assert held.json()["next"] is None
    again = client.get("/users/?limit=2", headers={**auth, "If-None-Match": held["ETag"]})
    assert again.status_code == 304
    UserFactory.create()
    changed = client.get("/users/?limit=2", headers={**auth, "If-None-Match": held["ETag"]})
    assert changed.status_code == 200
    assert changed.json()["items"] == held.json()["items"]
    assert changed.json()["next"] is not None


NOBODY = 987654321  # a user id the test's events name, and nothing else does


def test_audit_pages_break_inside_runs_of_events_recorded_at_one_time(
    client: Client, bearer: BearerFactory
) -> None:
    """Equal first keys across page boundaries: the id breaks the tie, newest first."""
    recorded = []
    for _ in range(9):
        with transaction.atomic():
            event = event_record(
                action="user.updated", target_type="user", target_id=NOBODY, target_label="u"
            )
        recorded.append(event.pk)
    now = timezone.now()
    for index, pk in enumerate(recorded):  # runs of 4, 3 and 2 events sharing their time
        at = now - timedelta(seconds=0 if index < 4 else 1 if index < 7 else 2)
        AuditEvent.objects.filter(pk=pk).update(at=at)
    newest_first = list(
        AuditEvent.objects.filter(pk__in=recorded)
        .order_by(*audit_cursor.ORDER)
        .values_list("id", flat=True)
    )
    auth = bearer(perms=["audit.view_auditevent"], scope="read audit")
    for limit in (2, 3, 5):
        # Only these events: writes of the test's own users are recorded too.
        url = f"/audit/events/?target_type=user&target_id={NOBODY}&limit={limit}"
        assert ids(walk(client, url, auth)) == newest_first


def test_after_compares_positions_as_tuples_in_mixed_directions() -> None:
    """core.keyset.after through the ORM: an order whose first key repeats (is_active, only
    two values), descending, then ascending ids."""
    for n in range(6):
        UserFactory.create(is_active=n % 3 != 0)
    order = ("-is_active", "id")
    rows = list(User.objects.order_by(*order).values_list("is_active", "id"))
    for index, position in enumerate(rows):
        past = User.objects.order_by(*order).filter(keyset.after(order, position))
        assert list(past.values_list("is_active", "id")) == rows[index + 1 :]
    with pytest.raises(ValueError, match="one value per key"):
        keyset.after(order, (True,))


SEARCHES = [None, "kestrel", "EST", "%", "_", "é"]


@pytest.mark.parametrize("search", SEARCHES)
def test_a_compiled_keyset_page_equals_the_orms(directory: Group, search: str | None) -> None:
    expected = selectors.user_list(search=search)
    listing = selectors.user_listing(search=search)
    for after in [0, *expected.values_list("id", flat=True)[::4]]:
        users = expected.filter(id__gt=after).annotate(group_ids=selectors.GROUP_IDS)
        for limit, offset in [(3, 0), (2, 1)]:
            orm = [UserOut.of(user).model_dump() for user in users[offset : offset + limit]]
            assert listing.page(limit=limit, offset=offset, after=(after,)) == orm
    members = selectors.member_listing(group=directory)
    member_ids = list(directory.user_set.order_by("id").values_list("id", flat=True))
    page = members.page(limit=50, after=(member_ids[1],))
    assert [item["id"] for item in page] == member_ids[2:]
