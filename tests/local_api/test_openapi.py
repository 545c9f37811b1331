"""The OpenAPI document validates, and it describes exactly the routes the server has."""

from __future__ import annotations

from typing import TYPE_CHECKING

from openapi_spec_validator import validate

if TYPE_CHECKING:
    from tests.local_api.conftest import Served


async def test_the_served_document_validates_as_openapi_3_1(served: Served) -> None:
    document = (await served.client.get("/v1/openapi.json")).json()
    validate(document)  # raises on any error
    assert document["info"]["title"] == "Presence Tray local API"


async def test_every_route_is_documented_and_every_documented_route_exists(
    served: Served,
) -> None:
    document = (await served.client.get("/v1/openapi.json")).json()
    documented = {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
    }
    served_routes = {
        (route.method, route.resource.canonical)
        for route in served.server.app.router.routes()
        if route.method != "HEAD" and route.resource is not None
    }
    assert served_routes == documented


async def test_only_the_document_itself_is_open_without_a_token(served: Served) -> None:
    document = (await served.client.get("/v1/openapi.json")).json()
    open_operations = [
        (method, path)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if operation.get("security") == []
    ]
    assert open_operations == [("get", "/v1/openapi.json")]
