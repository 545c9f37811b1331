"""Where an OAuth account signs in, renews and says who it is: the platform, or a test server.

:func:`platform_endpoints` is the one place that turns a platform's :class:`SignInDescription`
(plus the user's tenant) or a discovered OpenID Connect test server into the endpoints a
sign-in needs; :func:`sign_in_request` and :func:`refresh_endpoint` build the two objects the
flow and the token holder take from them, so nothing else assembles either.

The test seam: when ``PRESENCE_TRAY_SIGN_IN_SERVER`` holds an OpenID Connect issuer URL, every
OAuth platform signs in there instead (endpoints from its discovery document, read by
:func:`discover` once per sign-in or sign-out; the identity call is its userinfo endpoint).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import httpx

from presence_tray.accounts.descriptions import (
    MICROSOFT_DEFAULT_TENANT,
    SIGN_IN_DESCRIPTIONS,
    SIGN_IN_SERVER_VARIABLE,
)
from presence_tray.accounts.errors import ServerUnreachableError
from presence_tray.accounts.identity import IDENTITY_CALLS, IdentityCall, openid_identity
from presence_tray.accounts.oauth import transport_problem
from presence_tray.accounts.signin import SignInRequest
from presence_tray.accounts.tokens import RefreshEndpoint

if TYPE_CHECKING:
    from collections.abc import Mapping

    from presence_tray.core.identity import Platform

TEST_SERVER_NAME: Final = "test server"
# What the OpenID Connect test server is asked for: who you are, and a refresh token (which
# oidc-provider gives only with offline_access and an explicit consent prompt).
_TEST_SCOPES: Final = ("openid", "offline_access", "profile")
_TEST_AUTHORIZE_PARAMS: Final = (("prompt", "consent"),)
_OPENID_SCOPES: Final = frozenset({"openid", "profile", "email"})
"""Standard OpenID Connect scopes: a platform asking only for these (LinkedIn) signs in with
OpenID Connect itself, and asks the test server for exactly the same."""


@dataclass(frozen=True)
class DiscoveredServer:
    """An OpenID Connect server's endpoints, from its discovery document."""

    issuer: str
    authorize_url: str
    token_url: str
    userinfo_url: str
    revoke_url: str | None


@dataclass(frozen=True)
class OAuthEndpoints:
    """Everything a sign-in, a renewal and a sign-out of one platform's account talk to."""

    server_name: str
    authorize_url: str
    token_url: str
    revoke_url: str | None
    identity: IdentityCall
    scopes: tuple[str, ...]
    scope_parameter: str = "scope"
    issuer: str | None = None
    authorize_params: tuple[tuple[str, str], ...] = ()


def platform_endpoints(
    platform: Platform, settings: Mapping[str, str], test_server: DiscoveredServer | None = None
) -> OAuthEndpoints:
    """``platform``'s endpoints (with ``settings``' tenant), or the test server's.

    At the test server a platform that signs in with OpenID Connect itself (LinkedIn:
    ``openid profile email``) asks for exactly its own scopes; the others ask for who you are
    and a refresh token. Raises ValueError (a sentence) for a malformed tenant.
    """
    description = SIGN_IN_DESCRIPTIONS[platform].for_tenant(
        settings.get("tenant") or MICROSOFT_DEFAULT_TENANT
    )
    scopes = (
        *description.read_scopes,
        *description.set_status_scopes,
        *description.refresh_scopes,
        *description.identity_scopes,
    )
    if test_server is not None:
        return OAuthEndpoints(
            server_name=f"{platform.display_name} ({TEST_SERVER_NAME})",
            authorize_url=test_server.authorize_url,
            token_url=test_server.token_url,
            revoke_url=test_server.revoke_url,
            identity=IdentityCall(test_server.userinfo_url, openid_identity),
            scopes=scopes if _signs_in_with_openid(scopes) else _TEST_SCOPES,
            issuer=test_server.issuer,
            authorize_params=_TEST_AUTHORIZE_PARAMS,
        )
    return OAuthEndpoints(
        server_name=platform.display_name,
        authorize_url=description.authorize_url,
        token_url=description.token_url,
        revoke_url=description.revoke_url,
        identity=IDENTITY_CALLS[platform],
        scopes=scopes,
        scope_parameter=description.scope_parameter,
    )


def _signs_in_with_openid(scopes: tuple[str, ...]) -> bool:
    """Whether a platform asking for ``scopes`` signs in with OpenID Connect only (LinkedIn)."""
    return "openid" in scopes and _OPENID_SCOPES.issuperset(scopes)


def sign_in_request(endpoints: OAuthEndpoints, client_id: str) -> SignInRequest:
    """The sign-in for ``client_id`` (the user's app registration) at ``endpoints``."""
    return SignInRequest(
        server_name=endpoints.server_name,
        authorize_url=endpoints.authorize_url,
        token_url=endpoints.token_url,
        client_id=client_id,
        scopes=endpoints.scopes,
        issuer=endpoints.issuer,
        authorize_params=endpoints.authorize_params,
        scope_parameter=endpoints.scope_parameter,
    )


def refresh_endpoint(endpoints: OAuthEndpoints, client_id: str) -> RefreshEndpoint:
    """Where ``client_id``'s tokens are renewed and revoked."""
    return RefreshEndpoint(
        endpoints.server_name, endpoints.token_url, client_id, revoke_url=endpoints.revoke_url
    )


async def discover(issuer: str, *, http_timeout: float) -> DiscoveredServer:
    """Read ``issuer``'s OpenID Connect discovery document; ServerUnreachableError (a
    sentence) when it cannot be read."""
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    where = f"The test sign-in server at {issuer} ({SIGN_IN_SERVER_VARIABLE})"
    try:
        async with httpx.AsyncClient(timeout=http_timeout, follow_redirects=False) as client:
            response = await client.get(url)
            response.raise_for_status()
            meta = response.json()
        return DiscoveredServer(
            issuer=str(meta["issuer"]),
            authorize_url=str(meta["authorization_endpoint"]),
            token_url=str(meta["token_endpoint"]),
            userinfo_url=str(meta["userinfo_endpoint"]),
            revoke_url=meta.get("revocation_endpoint"),
        )
    except httpx.HTTPError as err:
        problem = transport_problem(err, where, http_timeout)
        message = problem.message if problem else f"{where} could not be reached."
        raise ServerUnreachableError(message) from None
    except (ValueError, KeyError, TypeError, AttributeError):
        msg = f"{where} sent no usable discovery document; check the address and try again."
        raise ServerUnreachableError(msg) from None
