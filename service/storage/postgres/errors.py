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


# A DELETE refused by a foreign key lost a race: the row gained a reference between the use
# case's check and the delete. It answers what the check would have (409, by the referencing
# constraint), not the creating side's ``unknown_reference``.
_IN_USE: dict[str, Conflict] = {
    "fk_org_units_organization_id_parent_id_org_units": Conflict(
        "move or delete the sub-units first", code="unit_has_children"
    ),
    "fk_objectives_organization_id_owner_unit_id_org_units": Conflict(
        "the unit owns objectives: keep it", code="unit_has_objectives"
    ),
    "fk_objectives_organization_id_parent_objective_id_objectives": Conflict(
        "objectives align to this one: move or unlink them first", code="objective_has_children"
    ),
    "fk_objectives_organization_id_parent_key_result_id_key_results": Conflict(
        "objectives contribute to this key result: unlink them first",
        code="key_result_has_contributors",
    ),
    "fk_check_ins_organization_id_key_result_id_key_results": Conflict(
        "this key result has check-ins: its history is kept", code="key_result_has_check_ins"
    ),
    "fk_meetings_unit_id_org_units": Conflict(
        "the unit has review meetings: keep it", code="unit_has_meetings"
    ),
    "fk_key_results_kpi_id_kpis": Conflict(
        "key results follow this KPI: unlink them first", code="kpi_has_linked_key_results"
    ),
}


def constraint_name(error: IntegrityError) -> str | None:
    # asyncpg's exception (with .constraint_name) sits behind SQLAlchemy's DBAPI wrapper.
    cause = error.orig.__cause__ if error.orig is not None else None
    name = getattr(cause, "constraint_name", None)
    return name if isinstance(name, str) else None


def translate(error: IntegrityError, *, deleting: bool = False) -> DomainError:
    """The domain error a violated constraint stands for; a generic one for the unforeseen.

    ``deleting``: the statement was a DELETE, so a violated foreign key means the row is
    still referenced (409, ``in_use`` unless the constraint has its own code), where on an
    INSERT or UPDATE it means the row referenced does not exist (422 ``unknown_reference``).
    """
    name = constraint_name(error)
    if deleting and name is not None and name.startswith("fk_"):
        in_use = _IN_USE.get(name) or Conflict(
            "the resource is still in use: remove what refers to it first", code="in_use"
        )
        return Conflict(in_use.detail, code=in_use.code)
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
