"""Reading a Web API call: its arguments from query, form or JSON body, and its bearer token."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

if TYPE_CHECKING:
    from tests.servers.http_fake import FakeRequest


class BadRequestBodyError(ValueError):
    """The body claims to be JSON but is not a JSON object."""


def arguments(request: FakeRequest) -> dict[str, object]:
    """Query arguments, then form fields or JSON body fields, as Slack accepts any of them.

    Form and query values are strings (the last one wins when repeated); a JSON body keeps its
    types, so ``users.profile.set`` gets ``profile`` either as a JSON string or as an object.
    """
    found: dict[str, object] = {name: values[-1] for name, values in request.query.items()}
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json" and request.body:
        try:
            body = json.loads(request.body)
        except ValueError as error:
            raise BadRequestBodyError(str(error)) from error
        if not isinstance(body, dict):
            raise BadRequestBodyError("not an object")
        found |= body
    elif content_type == "application/x-www-form-urlencoded":
        form = parse_qs(request.body.decode(errors="replace"), keep_blank_values=True)
        found |= {name: values[-1] for name, values in form.items()}
    return found


def bearer_token(request: FakeRequest) -> str | None:
    """The token of ``Authorization: Bearer <token>``, or ``None``."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()
