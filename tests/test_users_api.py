import json
from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import User
from django.test import Client

from tests.conftest import BearerFactory
from tests.factories import PASSWORD, GroupFactory, UserFactory
from tests.helpers import USER_FIELDS

pytestmark = pytest.mark.django_db

FORM = "application/x-www-form-urlencoded"


def post_json(client: Client, path: str, body: object, headers: dict[str, str]) -> object:
    return client.post(path, json.dumps(body), content_type="application/json", headers=headers)


class TestList:
    def test_each_list_shows_a_user_byte_for_byte_as_its_own_url_does(
        self, client: Client, bearer: BearerFactory
    ) -> None:
        """The lists write their rows without pydantic (directory.pagination.paginated): the
        same JSON as GET /users/{id}/, whose ETag the writes compare with."""
        auth = bearer(scope="read write groups")
        first, second = GroupFactory.create(), GroupFactory.create()
        whole_second = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)  # no fraction is written
        users = [
            UserFactory.create(
                username="ann-1", first_name="Zoë", last_name='"Ø"\\', date_joined=whole_second
            ),
            UserFactory.create(username="ann-2", is_active=False, email=""),
        ]
        for user in users:
            user.groups.add(second)  # the higher id first: the lists sort them
            user.groups.add(first)
        # On SQLite a search of 3 characters or more reads the full-text index.
        lists = [
            "/users/",
            "/users/?search=an",
            "/users/?search=ann",
            f"/groups/{first.pk}/members/",
        ]
        for user in users:
            own = client.get(f"/users/{user.pk}/", headers=auth).content
            assert json.loads(own)["groups"] == [first.pk, second.pk]
            for path in lists:
                assert own in client.get(path, headers=auth).content, path
        listed = client.get("/users/", headers=auth).content
        assert b'"date_joined":"2026-01-02T03:04:05Z"' in listed

    def test_pages_are_ordered_by_id_and_carry_the_total_count_when_asked(
        self, client: Client, bearer: BearerFactory
    ) -> None:
        auth = bearer(scope="read")  # creates the token's user first
        UserFactory.create_batch(4)
        ids = list(User.objects.order_by("id").values_list("id", flat=True))
        page = client.get("/users/?limit=2&offset=1&count=true", headers=auth).json()
        assert page["count"] == 5
        assert [u["id"] for u in page["items"]] == ids[1:3]

    def test_default_page_is_50(self, client: Client, bearer: BearerFactory) -> None:
        auth = bearer(scope="read")
        UserFactory.create_batch(55)
        page = client.get("/users/?count=true", headers=auth).json()
        assert (len(page["items"]), page["count"]) == (50, 56)

    @pytest.mark.parametrize(
        "query", ["limit=0", "limit=101", "offset=-1", "limit=abc", "offset=99999999999999"]
    )
    def test_page_bounds_are_a_422(self, client: Client, bearer: BearerFactory, query: str) -> None:
        response = client.get(f"/users/?{query}", headers=bearer(scope="read"))
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"][0] == "query"

    def test_limit_100_is_the_largest_page(self, client: Client, bearer: BearerFactory) -> None:
        response = client.get("/users/?limit=100", headers=bearer(scope="read"))
        assert response.status_code == 200

    @pytest.mark.parametrize(
        ("search", "expected"),
        [
            ("ALICE", ["alice"]),
            ("corp.example", ["bob"]),
            ("Lovelace", ["alice"]),
            ("Grace", ["bob"]),
            ("nobody", []),
            ("'; DROP TABLE auth_user; --", []),
            ("%", []),
        ],
    )
    def test_search_matches_username_email_and_names(
        self, client: Client, bearer: BearerFactory, search: str, expected: list[str]
    ) -> None:
        auth = bearer(scope="read", user=UserFactory.create(username="reader", email="r@x.io"))
        UserFactory.create(username="alice", first_name="Ada", last_name="Lovelace")
        UserFactory.create(username="bob", email="bob@corp.example.com", first_name="Grace")
        response = client.get("/users/", {"search": search}, headers=auth)
        assert [u["username"] for u in response.json()["items"]] == expected
        assert User.objects.filter(username="alice").exists()

    def test_users_show_their_group_ids(self, client: Client, bearer: BearerFactory) -> None:
        user = UserFactory.create()
        group = GroupFactory.create()
        group.user_set.add(user)
        response = client.get(f"/users/{user.pk}/", headers=bearer(scope="read"))
        assert response.json()["groups"] == [group.pk]


class TestDetail:
    def test_fields_are_exactly_the_documented_ones(
        self, client: Client, bearer: BearerFactory
    ) -> None:
        user = UserFactory.create()
        body = client.get(f"/users/{user.pk}/", headers=bearer(scope="read")).json()
        assert set(body) == USER_FIELDS
        assert body["username"] == user.username

    def test_missing_user_is_a_404(self, client: Client, bearer: BearerFactory) -> None:
        response = client.get("/users/987654/", headers=bearer(scope="read"))
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found."}

    @pytest.mark.parametrize("user_id", ["abc", "0", "-1", "9223372036854775808", "1e3"])
    def test_invalid_ids_are_a_422(
        self, client: Client, bearer: BearerFactory, user_id: str
    ) -> None:
        response = client.get(f"/users/{user_id}/", headers=bearer(scope="read"))
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["path", "user_id"]

    def test_me_is_the_tokens_user(self, client: Client, bearer: BearerFactory) -> None:
        user = UserFactory.create()
        response = client.get("/users/me/", headers=bearer(scope="read", user=user))
        assert response.json()["id"] == user.pk


class TestCreate:
    def test_json_body_creates_a_user_with_a_hashed_password(
        self, client: Client, bearer: BearerFactory
    ) -> None:
        body = {"username": "newbie", "password": PASSWORD, "email": "N@Example.COM"}
        response = client.post(
            "/users/",
            json.dumps(body),
            content_type="application/json",
            headers=bearer(perms=["auth.add_user"]),
        )
        assert response.status_code == 201
        assert set(response.json()) == USER_FIELDS
        user = User.objects.get(username="newbie")
        assert user.password != PASSWORD
        assert user.check_password(PASSWORD)
        assert user.email == "N@example.com"
        assert not user.is_staff
        assert not user.is_superuser
        assert PASSWORD not in response.content.decode()
        assert user.password not in response.content.decode()

    def test_form_body_works_as_in_the_tutorial(
        self, client: Client, bearer: BearerFactory
    ) -> None:
        response = client.post(
            "/users/",
            f"username=foo&password={PASSWORD}",
            content_type=FORM,
            headers=bearer(perms=["auth.add_user"]),
        )
        assert response.status_code == 201
        assert User.objects.get(username="foo").check_password(PASSWORD)

    @pytest.mark.parametrize(
        "password", ["bar", "password123", "12345678901", "newbie-user"], ids=str
    )
    def test_weak_password_is_a_422_naming_the_field(
        self, client: Client, bearer: BearerFactory, password: str
    ) -> None:
        body = {"username": "newbie-user", "password": password}
        response = client.post(
            "/users/",
            json.dumps(body),
            content_type="application/json",
            headers=bearer(perms=["auth.add_user"]),
        )
        assert response.status_code == 422
        assert all(e["loc"] == ["body", "payload", "password"] for e in response.json()["detail"])
        assert not User.objects.filter(username="newbie-user").exists()

    def test_duplicate_username_is_a_409(self, client: Client, bearer: BearerFactory) -> None:
        UserFactory.create(username="taken")
        response = client.post(
            "/users/",
            f"username=taken&password={PASSWORD}",
            content_type=FORM,
            headers=bearer(perms=["auth.add_user"]),
        )
        assert response.status_code == 409
        assert response.json() == {"detail": "A user with that username already exists."}
        assert User.objects.filter(username="taken").count() == 1

    @pytest.mark.parametrize(
        "body",
        [
            {"username": "x1", "password": PASSWORD, "is_superuser": True},
            {"username": "x1", "password": PASSWORD, "is_staff": True},
            {"username": "x1", "password": PASSWORD, "user_permissions": [1]},
            {"username": "x1", "password": PASSWORD, "groups": [1]},
            {"password": PASSWORD},
            {"username": "x1"},
            {"username": "with space", "password": PASSWORD},
            {"username": "nul\u0000", "password": PASSWORD},
            {"username": "x" * 151, "password": PASSWORD},
            {"username": "x1", "password": PASSWORD, "email": "not-an-email"},
            {"username": "x1", "password": PASSWORD, "first_name": "tab\there"},
            {"username": ["x1"], "password": PASSWORD},
        ],
        ids=lambda body: ",".join(f"{k}" for k in body) + f":{str(body)[:30]}",
    )
    def test_invalid_or_privileged_fields_are_a_422_and_create_nothing(
        self, client: Client, bearer: BearerFactory, body: dict[str, object]
    ) -> None:
        auth = bearer(perms=["auth.add_user"])  # one who may create: only the body stops it
        before = User.objects.count()
        response = client.post(
            "/users/", json.dumps(body), content_type="application/json", headers=auth
        )
        assert response.status_code == 422
        assert isinstance(response.json()["detail"], list)
        assert User.objects.count() == before

    def test_a_form_field_sent_twice_is_a_422(self, client: Client, bearer: BearerFactory) -> None:
        response = client.post(
            "/users/",
            f"username=a1&username=a2&password={PASSWORD}",
            content_type=FORM,
            headers=bearer(),
        )
        assert response.status_code == 422

    def test_unicode_username_is_accepted_like_djangos_validator(
        self, client: Client, bearer: BearerFactory
    ) -> None:
        response = client.post(
            "/users/",
            json.dumps({"username": "zoë.ñ@dom+1", "password": PASSWORD}),
            content_type="application/json",
            headers=bearer(perms=["auth.add_user"]),
        )
        assert response.status_code == 201

    @pytest.mark.parametrize(
        ("data", "content_type", "status"),
        [
            ("{not json", "application/json", 400),
            ("", "application/json", 422),
            ("[1, 2]", "application/json", 422),
            ("null", "application/json", 422),
            ("username=a", "text/plain", 415),
            ("<user/>", "application/xml", 415),
        ],
    )
    def test_unparsable_or_unsupported_bodies_are_4xx_json(
        self, client: Client, bearer: BearerFactory, data: str, content_type: str, status: int
    ) -> None:
        response = client.post("/users/", data, content_type=content_type, headers=bearer())
        assert response.status_code == status
        assert "detail" in response.json()

    def test_needs_the_add_user_permission(self, client: Client, bearer: BearerFactory) -> None:
        body = f"username=newbie&password={PASSWORD}"
        plain = bearer()
        denied = client.post("/users/", body, content_type=FORM, headers=plain)
        assert denied.status_code == 403
        assert denied.json() == {"detail": "You do not have permission to perform this action."}
        assert "WWW-Authenticate" not in denied
        allowed = bearer(perms=["auth.add_user"])
        assert client.post("/users/", body, content_type=FORM, headers=allowed).status_code == 201


class TestDelete:
    def test_delete_removes_the_user(self, client: Client, bearer: BearerFactory) -> None:
        user = UserFactory.create()
        auth = bearer(perms=["auth.delete_user"])
        assert client.delete(f"/users/{user.pk}/", headers=auth).status_code == 204
        assert client.get(f"/users/{user.pk}/", headers=auth).status_code == 404
        assert client.delete(f"/users/{user.pk}/", headers=auth).status_code == 404

    def test_needs_the_delete_user_permission(self, client: Client, bearer: BearerFactory) -> None:
        user = UserFactory.create()
        auth = bearer(perms=["auth.change_user"])
        assert client.delete(f"/users/{user.pk}/", headers=auth).status_code == 403
        assert User.objects.filter(pk=user.pk).exists()
