"""Turn violated constraints, found by name, into domain errors."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError, StatementError

from domain.errors import Conflict, DomainError, FieldError, RuleViolation

_BY_CONSTRAINT: dict[str, DomainError] = {
    "uq_members_organization_id_email": Conflict(
        "another member of this organization has this email",
        code="email_taken",
        errors=[FieldError("email", "already used by another member", "taken")],
    ),
    "uq_members_organization_id_external_id": Conflict(
        "another member of this organization has this external_id",
        code="external_id_taken",
        errors=[FieldError("external_id", "already used by another member", "taken")],
    ),
    "uq_org_units_one_company": Conflict(
        "the organization already has its company unit", code="company_unit_exists"
    ),
}


def constraint_name(error: IntegrityError) -> str | None:
    # asyncpg's exception (with .constraint_name) sits behind SQLAlchemy's DBAPI wrapper.
    cause = error.orig.__cause__ if error.orig is not None else None
    name = getattr(cause, "constraint_name", None)
    return name if isinstance(name, str) else None


def translate(error: IntegrityError) -> DomainError:
    """The domain error a violated constraint stands for; a generic one for the unforeseen."""
    name = constraint_name(error)
    known = _BY_CONSTRAINT.get(name or "")
    if known is not None:
        return type(known)(known.detail, code=known.code, errors=known.errors)
    if name is not None and name.startswith("fk_"):
        return RuleViolation("a referenced resource does not exist", code="unknown_reference")
    return Conflict("the change conflicts with existing data", code="conflict")


# asyncpg's refusals of text Postgres cannot store (a NUL character; an escape JSONB refuses).
_UNSTORABLE_TEXT = frozenset({"CharacterNotInRepertoireError", "UntranslatableCharacterError"})


def unstorable_text(error: StatementError) -> RuleViolation | None:
    """The 422 for text Postgres cannot store (a NUL character, an unpaired surrogate),
    whatever adapter let it through; ``None`` for any other failure."""
    seen: BaseException | None = error.orig
    while seen is not None:
        if isinstance(seen, UnicodeEncodeError) or type(seen).__name__ in _UNSTORABLE_TEXT:
            return RuleViolation(
                "text contains a NUL character or an unpaired surrogate, which cannot be stored",
                code="validation_failed",
                errors=[FieldError("text", "cannot be stored", "unstorable_text")],
            )
        seen = seen.__cause__ or seen.__context__
    return None
