"""Accounts and sign-in: OAuth 2.0 with PKCE on a loopback redirect, token and password
accounts, and tokens over time.

No Qt here and no other layer. The wiring layer's ``accounts_service`` offers each platform's
ways to connect (:mod:`methods`: fields and guides), runs a :class:`signin.SignInFlow` at the
endpoints :mod:`endpoints` builds (or at a test server), asks the platform who signed in
(:mod:`identity`), or runs a token check (:mod:`checks`); a platform client gets its access
tokens from a :class:`tokens.TokenHolder`, which keeps them only in a
:class:`core.secrets.SecretStore` and signs the account out (revoking where the platform
allows, :mod:`revocation`).
"""
