"""註冊 and 考生基本資料維護: the profile's rules, registration (one INSERT), profile updates."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, fields

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from kiosk.core import audit, delivery, national_id, passwords, rules, text_safety
from kiosk.core.accounts.common import (
    REQUIRED,
    CandidateView,
    FieldErrors,
    audit_account,
    errors_of,
    shape_errors,
)
from kiosk.core.clock import Clock
from kiosk.core.clock import now as now_of
from kiosk.infra.config import Settings
from kiosk.infra.store import get_candidate_by_account, get_candidate_by_national_id
from kiosk.infra.tables import Candidate

log = logging.getLogger(__name__)


PROFILE_FIELDS = (
    "chinese_name",
    "english_surname",
    "english_given_name",
    "email",
    "mobile",
    "gender",
    "education",
    "school",
    "department",
)
IMMUTABLE_FIELDS = ("account", "national_id", "nationality")
GENDERS = ("M", "F")


@dataclass
class Registration:
    """What the registration form sends, as typed (the use case normalizes)."""

    account: str = ""
    nationality: str = "TW"
    national_id: str = ""
    chinese_name: str = ""
    english_surname: str = ""
    english_given_name: str = ""
    email: str = ""
    mobile: str = ""
    gender: str = ""
    education: str = ""
    school: str = ""
    department: str = ""
    password: str = ""
    password_confirm: str = ""


@dataclass(frozen=True)
class RegisterResult:
    ok: bool
    message_key: str
    candidate: CandidateView | None = None
    field_errors: FieldErrors = field(default_factory=dict)


def profile_errors(values: Mapping[str, str], *, nationality: str) -> FieldErrors:
    from kiosk.infra import assets

    errors: FieldErrors = {}
    for name in ("chinese_name", "english_surname", "english_given_name", "email", "mobile"):
        found = errors_of(name, values.get(name, ""))
        if found:
            errors[name] = found
    if values.get("gender", "") not in GENDERS:
        errors["gender"] = [REQUIRED]
    level = assets.education_level(values.get("education", ""))
    if level is None:
        errors["education"] = [REQUIRED]
    elif level.needs_school:
        for name in ("school", "department"):
            if not values.get(name, "").strip():
                errors[name] = [REQUIRED]
    for name in ("school", "department"):
        if len(values.get(name, "")) > 80:
            errors.setdefault(name, []).append("accounts.too_long")
    for name in PROFILE_FIELDS:  # the free-text ones (school, department) have no other rule
        if text_safety.has_unsafe(str(values.get(name, ""))):
            errors[name] = [text_safety.UNSAFE_KEY]
    del nationality
    return errors


def normalized_profile(values: Mapping[str, str]) -> dict[str, str]:
    from kiosk.core import romanize

    out = {name: str(values.get(name, "")).strip() for name in PROFILE_FIELDS}
    out["english_surname"] = " ".join(out["english_surname"].upper().split())
    out["english_given_name"] = " ".join(out["english_given_name"].upper().split())
    if not out["english_surname"] and not out["english_given_name"]:
        # 註4: an empty English name takes MOFA's Tongyong romanization of the Chinese name.
        out["english_surname"], out["english_given_name"] = romanize.english_name(
            out["chinese_name"]
        )
    out["mobile"] = rules.normalize_mobile(out["mobile"]) or out["mobile"]
    out["gender"] = out["gender"].upper()
    return out


def register(
    session: Session, *, data: Registration, settings: Settings, clock: Clock | None = None
) -> RegisterResult:
    """The portal's 註冊: every field checked, then one INSERT; duplicates answered per field."""
    now = now_of(clock)
    hostile = shape_errors(**{f.name: str(getattr(data, f.name)) for f in fields(data)})
    if hostile:  # refused whole: nothing of it is normalized, looked up or stored
        audit.Trail(session, settings, now, "register")(
            "invalid",
            account=audit.unknown_account(data.account, settings),
            detail="fields=" + ",".join(sorted(hostile)),
        )
        return RegisterResult(False, "accounts.register.invalid", field_errors=hostile)
    account = data.account.strip()
    nationality = data.nationality if data.nationality in ("TW", "foreign") else "TW"
    nid = national_id.normalize(data.national_id)
    profile = normalized_profile({f.name: getattr(data, f.name) for f in fields(data)})
    errors = profile_errors(profile, nationality=nationality)
    for name, value, ctx in (
        ("account", account, {}),
        ("national_id", nid, {"nationality": nationality}),
        (
            "password",
            data.password,
            {
                "account": account,
                "chinese_name": profile["chinese_name"],
                "email": profile["email"],
                "national_id": nid,
            },
        ),
        ("password_confirm", data.password_confirm, {"password": data.password}),
    ):
        found = errors_of(name, value, **ctx)
        if found:
            errors[name] = found

    trail = audit.Trail(session, settings, now, "register")

    def note(outcome: str, created: Candidate | None = None, detail: str = "") -> None:
        trail(
            outcome,
            account=audit_account(account, created, settings),
            candidate_id=created.id if created else None,
            detail=detail,
        )

    if errors:
        note("invalid", detail="fields=" + ",".join(sorted(errors)))
        return RegisterResult(False, "accounts.register.invalid", field_errors=errors)

    row = Candidate(
        account=account,
        account_key=account.lower(),
        nationality=nationality,
        national_id=nid,
        password_hash=passwords.hash_password(data.password, settings.bcrypt_rounds),
        origin="self",
        profile_complete=True,
        created_at=now,
        updated_at=now,
        **profile,  # type: ignore[arg-type]
    )
    try:
        session.add(row)
        session.flush()
    except IntegrityError:
        session.rollback()  # nothing else was written in this transaction yet
        duplicate = _duplicate_fields(session, account=account, nid=nid)
        note("duplicate", detail="fields=" + ",".join(duplicate))
        return RegisterResult(
            False,
            "accounts.register.duplicate",
            field_errors={name: [f"accounts.duplicate.{name}"] for name in duplicate},
        )
    note("ok", row, detail=f"id={national_id.mask(nid)}")
    return RegisterResult(True, "accounts.register.ok", CandidateView.of(row))


def _duplicate_fields(session: Session, *, account: str, nid: str) -> list[str]:
    found = []
    if get_candidate_by_account(session=session, account=account) is not None:
        found.append("account")
    if get_candidate_by_national_id(session=session, national_id=nid) is not None:
        found.append("national_id")
    return found or ["account"]


@dataclass(frozen=True)
class UpdateResult:
    ok: bool
    message_key: str
    candidate: CandidateView | None = None
    field_errors: FieldErrors = field(default_factory=dict)


def update_profile(
    session: Session,
    *,
    candidate_id: int,
    changes: Mapping[str, str],
    settings: Settings,
    actor: str = "",
    clock: Clock | None = None,
) -> UpdateResult:
    """考生基本資料維護: correct the profile; account, nationality and national ID never change."""
    now = now_of(clock)
    row = session.get(Candidate, candidate_id)
    if row is None:
        return UpdateResult(False, "accounts.profile.not_found")
    hostile = shape_errors(**{name: str(value) for name, value in changes.items()})
    if hostile:
        audit.Trail(session, settings, now, "profile")(
            "invalid",
            candidate=row,
            detail="fields=" + ",".join(sorted(hostile)),
        )
        return UpdateResult(False, "accounts.profile.invalid", field_errors=hostile)
    immutable = sorted(set(changes) & set(IMMUTABLE_FIELDS))
    unknown = sorted(set(changes) - set(PROFILE_FIELDS) - set(IMMUTABLE_FIELDS))
    errors: FieldErrors = {name: ["accounts.immutable"] for name in immutable}
    errors.update({name: ["accounts.unknown_field"] for name in unknown})
    current = {name: getattr(row, name) for name in PROFILE_FIELDS}
    merged = {**current, **{k: v for k, v in changes.items() if k in PROFILE_FIELDS}}
    profile = normalized_profile(merged)
    errors.update(profile_errors(profile, nationality=row.nationality))
    if errors:
        audit.Trail(session, settings, now, "profile")(
            "invalid",
            candidate=row,
            detail="fields=" + ",".join(sorted(errors)),
        )
        return UpdateResult(False, "accounts.profile.invalid", field_errors=errors)
    changed = [name for name in PROFILE_FIELDS if profile[name] != current[name]]
    details = []
    for name in changed:
        if name == "email":
            details.append(
                f"email {delivery.mask_email(current[name])}->{delivery.mask_email(profile[name])}"
            )
        elif name == "mobile":
            old, new = delivery.mask_mobile(current[name]), delivery.mask_mobile(profile[name])
            details.append(f"mobile {old}->{new}")
        else:
            details.append(name)
        setattr(row, name, profile[name])
    row.profile_complete = True
    row.updated_at = now
    session.add(row)
    audit.Trail(session, settings, now, "profile")(
        "ok" if changed else "unchanged",
        candidate=row,
        detail=(f"by={actor}; " if actor else "") + "; ".join(details),
    )
    return UpdateResult(True, "accounts.profile.ok", CandidateView.of(row))
