"""Account use cases: login, registration, credential and e-mail queries, password and profile.

Every function takes a ``Session`` and plain values, returns a small result dataclass, raises
nothing for a user's mistake (the result carries the reason as catalog keys) and writes an audit
event — never a password, never a full national ID. The caller commits (``Store.session()``).
A wrong captcha is the one attempt that writes nothing: it must cost no database work, so it is
only logged through ``logging``.

One module per portal page: ``login`` (考生登入), ``profile`` (註冊, 考生基本資料維護),
``password`` (變更密碼), ``queries`` (查詢帳號/密碼, 查詢信箱); ``common`` holds what they share,
``lockout`` and ``login_budget`` the failure counters per account and per place. This package
re-exports the public names (``kiosk.accounts`` is their public import path).
"""

from __future__ import annotations

from kiosk.core.accounts.common import (
    REQUIRED,
    CandidateView,
    CaptchaCheck,
    FieldErrors,
    audit_account,
    normalize_name,
)
from kiosk.core.accounts.login import (
    CHANGE_TICKET_MINUTES,
    GENERIC_LOGIN_FAILURE,
    LoginOutcome,
    LoginResult,
    login,
)
from kiosk.core.accounts.password import ChangePasswordResult, change_password
from kiosk.core.accounts.profile import (
    GENDERS,
    IMMUTABLE_FIELDS,
    PROFILE_FIELDS,
    RegisterResult,
    Registration,
    UpdateResult,
    normalized_profile,
    profile_errors,
    register,
    update_profile,
)
from kiosk.core.accounts.queries import (
    Channel,
    QueryOutcome,
    QueryResult,
    Sender,
    query_credentials,
    query_email,
)

__all__ = [
    "CHANGE_TICKET_MINUTES",
    "GENDERS",
    "GENERIC_LOGIN_FAILURE",
    "IMMUTABLE_FIELDS",
    "PROFILE_FIELDS",
    "REQUIRED",
    "CandidateView",
    "CaptchaCheck",
    "ChangePasswordResult",
    "Channel",
    "FieldErrors",
    "LoginOutcome",
    "LoginResult",
    "QueryOutcome",
    "QueryResult",
    "RegisterResult",
    "Registration",
    "Sender",
    "UpdateResult",
    "audit_account",
    "change_password",
    "login",
    "normalize_name",
    "normalized_profile",
    "profile_errors",
    "query_credentials",
    "query_email",
    "register",
    "update_profile",
]
