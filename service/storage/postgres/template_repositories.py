"""The repository of an organization's own OKR templates.

One row per template; its key results, with their milestones and actions, are one JSONB
document (the template is edited whole). Numbers are kept in the document as decimal
strings, so they read back exactly as written. Every query filters on ``organization_id``
first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, Final
from uuid import UUID

from sqlalchemy import Select, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.errors import ConcurrentChange, StaleVersion
from domain.okrs import Direction, MetricKind
from domain.templates import Template, TemplateAction, TemplateKeyResult, TemplateMilestone
from service.pagination import Page, PageRequest, page_of
from service.storage.postgres import tables as t
from service.storage.postgres.errors import constraint_name, translate
from service.storage.postgres.rows import EntityRows, Stored
from service.storage.postgres.sql import escape_like, paged
from service.template_ports import TemplateFilter, template_key_taken

KEY_CONSTRAINT: Final = "uq_templates_organization_id_key"


async def _write(conn: AsyncConnection, statement: Any) -> int:
    """Run a write; the key's unique constraint is ``template_key_taken``, any other
    violated constraint what :func:`translate` makes of it."""
    try:
        result = await conn.execute(statement)
    except IntegrityError as error:
        if constraint_name(error) == KEY_CONSTRAINT:
            raise template_key_taken() from None
        raise translate(error) from None
    return int(result.rowcount)


def _stale() -> StaleVersion:
    return ConcurrentChange("the resource changed meanwhile: reload and retry")


# -- the key results document --------------------------------------------------------------


def key_results_json(key_results: Sequence[TemplateKeyResult]) -> list[dict[str, Any]]:
    return [
        {
            "title_zh": kr.title_zh,
            "title_en": kr.title_en,
            "metric_kind": kr.metric_kind.value,
            "start": str(kr.start),
            "target": str(kr.target),
            "direction": kr.direction.value,
            "unit_zh": kr.unit_zh,
            "unit_en": kr.unit_en,
            "currency": kr.currency,
            "weight": str(kr.weight),
            "milestones": [
                {"title_zh": m.title_zh, "title_en": m.title_en, "weight": str(m.weight)}
                for m in kr.milestones
            ],
            "actions": [
                {
                    "title_zh": a.title_zh,
                    "title_en": a.title_en,
                    "completion_standard_zh": a.completion_standard_zh,
                    "completion_standard_en": a.completion_standard_en,
                }
                for a in kr.actions
            ],
        }
        for kr in key_results
    ]


def key_results_from(data: Sequence[Mapping[str, Any]]) -> tuple[TemplateKeyResult, ...]:
    return tuple(
        TemplateKeyResult(
            kr["title_zh"],
            kr["title_en"],
            metric_kind=MetricKind(kr["metric_kind"]),
            start=Decimal(kr["start"]),
            target=Decimal(kr["target"]),
            direction=Direction(kr["direction"]),
            unit_zh=kr["unit_zh"],
            unit_en=kr["unit_en"],
            currency=kr["currency"],
            weight=Decimal(kr["weight"]),
            milestones=tuple(
                TemplateMilestone(m["title_zh"], m["title_en"], Decimal(m["weight"]))
                for m in kr["milestones"]
            ),
            actions=tuple(
                TemplateAction(
                    a["title_zh"],
                    a["title_en"],
                    a["completion_standard_zh"],
                    a["completion_standard_en"],
                )
                for a in kr["actions"]
            ),
        )
        for kr in data
    )


def _owned(template: Template) -> UUID:
    """Its organization: a built-in (no organization) is never stored."""
    if template.organization_id is None:
        raise ValueError("built-in templates are not stored")
    return template.organization_id


# The key results are one JSONB document; a template without an organization is refused.
_TEMPLATES = EntityRows(
    Template,
    t.templates,
    {
        "organization_id": Stored(
            lambda row: row.organization_id,
            lambda template: {"organization_id": _owned(template)},
        ),
        "key_results": Stored(
            lambda row: key_results_from(row.key_results),
            lambda template: {"key_results": key_results_json(template.key_results)},
        ),
    },
)
_template = _TEMPLATES.entity


class PostgresTemplates:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get(self, organization_id: UUID, template_id: UUID) -> Template | None:
        tp = t.templates
        row = (
            await self._conn.execute(
                select(tp).where(tp.c.organization_id == organization_id, tp.c.id == template_id)
            )
        ).first()
        return _template(row) if row else None

    async def list(
        self, organization_id: UUID, filters: TemplateFilter, page: PageRequest
    ) -> Page[Template]:
        tp = t.templates
        statement: Select[Any] = select(tp).where(tp.c.organization_id == organization_id)
        if filters.key is not None:
            statement = statement.where(tp.c.key == filters.key)
        if filters.role is not None:
            role = filters.role.lower()
            statement = statement.where(
                or_(func.lower(tp.c.role_name_zh) == role, func.lower(tp.c.role_name_en) == role)
            )
        if filters.q:
            pattern = f"%{escape_like(filters.q)}%"
            statement = statement.where(
                or_(
                    *(
                        column.ilike(pattern, escape="\\")
                        for column in (
                            tp.c.title_zh,
                            tp.c.title_en,
                            tp.c.role_name_zh,
                            tp.c.role_name_en,
                        )
                    )
                )
            )
        rows = (await self._conn.execute(paged(statement, tp, page))).all()
        return page_of([_template(r) for r in rows], page, lambda x: x.id)

    async def add(self, template: Template) -> None:
        await _write(
            self._conn,
            insert(t.templates).values(**_TEMPLATES.insert_values(template)),
        )

    async def update(self, template: Template, *, previous_version: int) -> None:
        tp = t.templates
        statement = (
            update(tp)
            .where(
                tp.c.organization_id == _owned(template),
                tp.c.id == template.id,
                tp.c.version == previous_version,
            )
            .values(**_TEMPLATES.values(template))
        )
        if await _write(self._conn, statement) != 1:
            raise _stale()

    async def delete(
        self, organization_id: UUID, template_id: UUID, *, previous_version: int
    ) -> None:
        tp = t.templates
        statement = delete(tp).where(
            tp.c.organization_id == organization_id,
            tp.c.id == template_id,
            tp.c.version == previous_version,
        )
        if await _write(self._conn, statement) != 1:
            raise _stale()
