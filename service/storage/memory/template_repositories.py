"""The in-memory twin of the templates repository, with the Postgres adapter's semantics
(``service/storage/postgres/template_repositories.py``), constraint for constraint.

Lookups are scoped by ``organization_id``; updates and deletes compare versions; a key used
by another template of the organization is ``template_key_taken``, as the adapter
translates its unique constraint. A write checks everything before it changes anything.
"""

from __future__ import annotations

from uuid import UUID

from domain.templates import Template
from service.pagination import Page, PageRequest
from service.storage.memory.repositories import _check_length, _duplicate_key, _paged, _stale
from service.storage.memory.store import StoreState, TenantData, Transaction
from service.template_ports import TemplateFilter, template_key_taken


def _owned(template: Template) -> UUID:
    if template.organization_id is None:
        raise ValueError("built-in templates are not stored")
    return template.organization_id


def _check(tenant: TenantData, template: Template) -> None:
    """The column lengths and the organization's unique key, as Postgres checks them."""
    _check_length("templates.key", template.key, 64)
    _check_length("templates.role_name_zh", template.role_name_zh, 200)
    _check_length("templates.role_name_en", template.role_name_en, 200)
    _check_length("templates.title_zh", template.title_zh, 300)
    _check_length("templates.title_en", template.title_en, 300)
    if template.key is not None and any(
        other.key == template.key and other.id != template.id for other in tenant.templates.values()
    ):
        raise template_key_taken()


class MemoryTemplates:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def _rows(self, organization_id: UUID) -> dict[UUID, Template]:
        return self._tx.state.tenant(organization_id).templates

    async def get(self, organization_id: UUID, template_id: UUID) -> Template | None:
        return self._rows(organization_id).get(template_id)

    async def list(
        self, organization_id: UUID, filters: TemplateFilter, page: PageRequest
    ) -> Page[Template]:
        rows = (tp for tp in self._rows(organization_id).values() if filters.admits(tp))
        return _paged(rows, page)

    async def add(self, template: Template) -> None:
        def write(state: StoreState) -> None:
            tenant = state.tenant_for_write(_owned(template))
            if template.id in tenant.templates:
                raise _duplicate_key()
            _check(tenant, template)
            tenant.templates[template.id] = template

        self._tx.write(write)

    async def update(self, template: Template, *, previous_version: int) -> None:
        def write(state: StoreState) -> None:
            tenant = state.tenant(_owned(template))
            current = tenant.templates.get(template.id)
            if current is None or current.version != previous_version:
                raise _stale()
            _check(tenant, template)
            tenant.templates[template.id] = template

        self._tx.write(write)

    async def delete(
        self, organization_id: UUID, template_id: UUID, *, previous_version: int
    ) -> None:
        def write(state: StoreState) -> None:
            tenant = state.tenant(organization_id)
            current = tenant.templates.get(template_id)
            if current is None or current.version != previous_version:
                raise _stale()
            del tenant.templates[template_id]

        self._tx.write(write)
