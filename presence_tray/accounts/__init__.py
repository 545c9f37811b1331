"""Accounts and sign-in: OAuth 2.0 with PKCE on a loopback redirect, and tokens over time.

No Qt here and no other layer: the settings dialog drives a :class:`signin.SignInFlow` through
the wiring layer, and a platform client gets its access tokens from a
:class:`tokens.TokenHolder`, which keeps them only in a :class:`core.secrets.SecretStore`
and signs the account out (revoking where the platform allows, :mod:`revocation`).
"""
