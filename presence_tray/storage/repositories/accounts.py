"""Connected accounts: platform, label, on/off and non-secret settings."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Final

from presence_tray.core.identity import AccountRef
from presence_tray.core.preferences import Account
from presence_tray.storage.repositories._common import PLATFORMS, UnknownValues, dumps, loads

if TYPE_CHECKING:
    import builtins
    from collections.abc import Mapping

    from presence_tray.storage.database import Database

SECRET_SETTING_NAME: Final = re.compile(
    r"token|secret|password|passwd|credential|api_?key|cookie|session", re.IGNORECASE
)
"""Setting names that smell of a secret: refused on save, left out of exports."""

_LIST_SQL: Final = """
    SELECT platform, account_id, label, enabled, settings_json, sign_in_problem
    FROM accounts ORDER BY rowid
"""
_UPSERT_SQL: Final = """
    INSERT INTO accounts (platform, account_id, label, enabled, settings_json, sign_in_problem)
    VALUES (:platform, :account_id, :label, :enabled, :settings_json, :sign_in_problem)
    ON CONFLICT (platform, account_id) DO UPDATE SET
        label = excluded.label,
        enabled = excluded.enabled,
        settings_json = excluded.settings_json,
        sign_in_problem = excluded.sign_in_problem
"""
_SET_SIGN_IN_PROBLEM_SQL: Final = (
    "UPDATE accounts SET sign_in_problem = ? WHERE platform = ? AND account_id = ?"
)
_DELETE_SQL: Final = "DELETE FROM accounts WHERE platform = ? AND account_id = ?"


def public_settings(settings: object) -> dict[str, str]:
    """The string settings of a decoded JSON object whose names do not smell of a secret."""
    if not isinstance(settings, dict):
        return {}
    return {
        name: value
        for name, value in settings.items()
        if isinstance(name, str) and isinstance(value, str) and not SECRET_SETTING_NAME.search(name)
    }


class AccountsRepository:
    """Reads and saves :class:`~presence_tray.core.preferences.Account` set-ups."""

    def __init__(self, db: Database) -> None:
        """Use ``db``."""
        self._db = db

    def list(self) -> builtins.list[Account]:
        """Every account, in the order they were first saved."""
        with self._db.reading() as connection:
            rows = connection.execute(_LIST_SQL).fetchall()
        unknown = UnknownValues("accounts")
        found: builtins.list[Account] = []
        for platform_word, account_id, label, enabled, settings_json, sign_in_problem in rows:
            platform = PLATFORMS.get(platform_word)
            if platform is None:
                unknown.note("platform", platform_word)
                continue
            settings = loads(settings_json)
            for name in _dropped_setting_names(settings):
                # The name only: a value dropped here may be exactly what must not be logged.
                unknown.note("setting", name)
            found.append(
                Account(
                    AccountRef(platform, account_id),
                    label,
                    enabled=bool(enabled),
                    settings=public_settings(settings),
                    sign_in_problem=sign_in_problem,
                )
            )
        unknown.report("accounts skipped, or settings dropped")
        return found

    def save(self, account: Account) -> None:
        """Add or replace an account. Raises ValueError for a setting named like a secret."""
        _refuse_secrets(account.settings)
        row = {
            "platform": account.ref.platform.value,
            "account_id": account.ref.account_id,
            "label": account.label,
            "enabled": account.enabled,
            "settings_json": dumps(dict(account.settings)),
            "sign_in_problem": account.sign_in_problem,
        }
        with self._db.writing() as connection:
            connection.execute(_UPSERT_SQL, row)

    def set_sign_in_problem(self, ref: AccountRef, problem: str | None) -> None:
        """Record that the platform refused ``ref``'s sign-in (``problem``: the sentence for
        the user), or that it works again (None). Nothing else of the account changes; an
        account that is not saved is left alone."""
        with self._db.writing() as connection:
            connection.execute(_SET_SIGN_IN_PROBLEM_SQL, (problem, *_key(ref)))

    def delete(self, ref: AccountRef) -> None:
        """Forget an account's set-up (its secret is the secret store's business)."""
        with self._db.writing() as connection:
            connection.execute(_DELETE_SQL, _key(ref))


def _key(ref: AccountRef) -> tuple[str, str]:
    """The stored key columns of an account: platform word, account id."""
    return (ref.platform.value, ref.account_id)


def _dropped_setting_names(settings: object) -> builtins.list[str]:
    if not isinstance(settings, dict):
        return ["(not a JSON object)"]
    kept = public_settings(settings)
    return [str(name) for name in settings if name not in kept]


def _refuse_secrets(settings: Mapping[str, str]) -> None:
    # Secrets belong in the keyring; a setting named like one is a bug to stop here,
    # before it reaches the file.
    suspicious = sorted(name for name in settings if SECRET_SETTING_NAME.search(name))
    if suspicious:
        msg = f"account settings must not hold secrets; use the secret store for {suspicious}"
        raise ValueError(msg)
