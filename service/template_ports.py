"""The port of an organization's own OKR templates (模板) and the filter it speaks in.
Implemented by service/storage/postgres.

A template is stored whole (its key results, milestones and actions in one row) and
edited whole. Built-in templates (:mod:`domain.builtin_templates`) are never stored: the
use cases (:mod:`service.templates`) put them in front of the organization's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from domain.errors import Conflict, FieldError
from domain.templates import Template
from service.pagination import Page, PageRequest


@dataclass(frozen=True)
class TemplateFilter:
    """Narrow a list of templates; every given field must match.

    - ``role``: a role name in either language, whole, ignoring case ("销售经理",
      "sales manager");
    - ``key``: the template's key, exactly;
    - ``q``: a piece of a title or role name in either language, ignoring case.
    """

    role: str | None = None
    key: str | None = None
    q: str | None = None

    def admits(self, template: Template) -> bool:
        """Whether a built-in ``template`` passes the filter, as the Postgres adapter decides
        it for the organization's own."""
        if self.key is not None and template.key != self.key:
            return False
        if self.role is not None and self.role.lower() not in {
            template.role_name_zh.lower(),
            template.role_name_en.lower(),
        }:
            return False
        if self.q:
            needle = self.q.lower()
            texts = (
                template.title_zh,
                template.title_en,
                template.role_name_zh,
                template.role_name_en,
            )
            return any(needle in text.lower() for text in texts)
        return True


def template_key_taken() -> Conflict:
    """What the storage adapter raises when another template of the organization has the key."""
    return Conflict(
        "another template of this organization has this key",
        code="template_key_taken",
        errors=[FieldError("key", "already used by another template", "taken")],
    )


class TemplateRepository(Protocol):
    """An organization's own templates. Every call is scoped to ``organization_id``."""

    async def get(self, organization_id: UUID, template_id: UUID) -> Template | None: ...
    async def list(
        self, organization_id: UUID, filters: TemplateFilter, page: PageRequest
    ) -> Page[Template]:
        """Ordered by id (creation order), a keyset page."""

    async def add(self, template: Template) -> None:
        """Insert; Conflict (``template_key_taken``) when another template of the
        organization has its key; ``unknown_reference`` for an unknown organization."""

    async def update(self, template: Template, *, previous_version: int) -> None:
        """Replace the stored template; StaleVersion when the stored version is no longer
        ``previous_version`` (or the template is gone); ``template_key_taken`` as ``add``."""

    async def delete(
        self, organization_id: UUID, template_id: UUID, *, previous_version: int
    ) -> None:
        """Remove it; StaleVersion when it is not stored at ``previous_version``."""
