"""The domain's enums, registered as the schema's: values are their names (ADMIN, ZH_CN).

Import them from here so the descriptions are attached before any schema is built.
"""

from __future__ import annotations

import strawberry

from domain.cycles import CycleKind, CycleState
from domain.members import Role
from domain.organizations import Locale
from domain.units import UnitKind

strawberry.enum(Role, description="What a member may do.")
strawberry.enum(UnitKind, description="The rank of an org unit.")
strawberry.enum(CycleKind, description="How long an OKR cycle is.")
strawberry.enum(CycleState, description="planning -> active -> closed (read-only).")
strawberry.enum(Locale, description="The organization's language.")

__all__ = ["CycleKind", "CycleState", "Locale", "Role", "UnitKind"]
