from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

from django.test import Client, RequestFactory
from django.utils.translation import gettext_lazy
from ninja import Schema

from core.renderers import ORJSONRenderer
from tests.conftest import BearerFactory


class Item(Schema):
    name: str


def render(data: object) -> bytes:
    return ORJSONRenderer().render(RequestFactory().get("/"), data, response_status=200)


def test_renders_compact_json_with_utc_as_z() -> None:
    data = {"at": datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC), "ids": [1, 2], "ok": True}
    assert render(data) == b'{"at":"2026-01-02T03:04:05.000006Z","ids":[1,2],"ok":true}'


def test_keeps_other_offsets() -> None:
    at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=2)))
    assert render({"at": at}) == b'{"at":"2026-01-02T03:04:05+02:00"}'


def test_types_orjson_lacks_go_through_ninjas_encoder() -> None:
    data = {"msg": gettext_lazy("Not found."), "amount": Decimal("1.50"), "item": Item(name="x")}
    assert render(data) == b'{"msg":"Not found.","amount":"1.50","item":{"name":"x"}}'


def test_api_answers_are_rendered_by_it(client: Client) -> None:
    response = client.get("/users/")  # no token: the 401 body is the API's too
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.content == b'{"detail":"Authentication credentials were not provided."}'


def test_a_list_page_rendered_by_its_operation_has_the_api_s_content_type(
    client: Client, bearer: BearerFactory
) -> None:
    """Lists render their own page (directory.pagination.paginated), with the same type."""
    auth = bearer(scope="read groups")
    for path in ("/users/", "/groups/", "/users/?search=x"):
        response = client.get(path, headers=auth)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json; charset=utf-8"
        assert response.content.startswith(b'{"items":[')
