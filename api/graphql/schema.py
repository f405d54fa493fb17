"""The GraphQL schema: each capability's queries and mutations (``api/<capability>/graphql.py``)
in one ``Query`` and one ``Mutation``; the same use cases as REST, camelCase.

Limits are on by default (settings): query depth, aliases, tokens, and ``first`` at most
200; introspection (and field suggestions, which leak the schema too) can be switched off.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from functools import partial

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.types.base_scalars import DateTimeDefinition, DecimalDefinition
from strawberry.types import ExecutionContext

from api.actions.graphql import ActionMutation, ActionQuery
from api.alignment.graphql import AlignmentQuery
from api.audit.graphql import AuditQuery
from api.comments.graphql import CommentMutation, CommentQuery
from api.config import GraphQLConfig
from api.cycles.graphql import CycleMutation, CycleQuery
from api.decimals import plain, plain_text
from api.events.graphql import EventQuery
from api.forecasts.graphql import ForecastMutation, ForecastQuery
from api.graphql.errors import ErrorCodes, log_unexpected
from api.graphql.limits import DocumentSizeLimiter, IntrospectionDepthLimiter, UnstorableStrings
from api.graphql.operation_log import OperationNameInLogs
from api.graphql.plain_fields import PlainFieldsExecutionContext
from api.graphql.validation_cache import CleanDocuments, ValidatedOnce
from api.key_results.graphql import KeyResultMutation, KeyResultQuery
from api.kpis.graphql import KpiMutation, KpiQuery
from api.meetings.graphql import MeetingMutation, MeetingQuery
from api.members.graphql import MemberMutation, MemberQuery
from api.objectives.graphql import ObjectiveMutation, ObjectiveQuery
from api.organization.graphql import OrganizationMutation, OrganizationQuery
from api.push.graphql import PushUrlMutation, PushUrlQuery
from api.quality.graphql import QualityQuery
from api.reviews.graphql import ReviewMutation, ReviewQuery
from api.templates.graphql import TemplateMutation, TemplateQuery
from api.times import utc_text
from api.units.graphql import UnitMutation, UnitQuery
from api.webhooks.graphql import WebhookQuery
from api.work_plans.graphql import WorkPlanQuery


@strawberry.type
class Query(
    ObjectiveQuery,
    KeyResultQuery,
    ForecastQuery,
    PushUrlQuery,
    ActionQuery,
    AuditQuery,
    EventQuery,
    WebhookQuery,
    AlignmentQuery,
    ReviewQuery,
    QualityQuery,
    TemplateQuery,
    KpiQuery,
    MeetingQuery,
    CommentQuery,
    WorkPlanQuery,
    OrganizationQuery,
    MemberQuery,
    UnitQuery,
    CycleQuery,
):
    """Every capability's queries, in the order the schema lists them."""


@strawberry.type
class Mutation(
    ObjectiveMutation,
    KeyResultMutation,
    ActionMutation,
    ReviewMutation,
    TemplateMutation,
    KpiMutation,
    PushUrlMutation,
    ForecastMutation,
    MeetingMutation,
    CommentMutation,
    OrganizationMutation,
    MemberMutation,
    UnitMutation,
    CycleMutation,
):
    """Every capability's mutations, in the order the schema lists them."""


class OkrSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Strawberry logs every error with its traceback; ours are the client's to read.
        log_unexpected(errors, execution_context)


# The token limit counts no comment or whitespace; a document may be this many characters
# per token allowed (100,000 at the default 2,000 tokens), and no longer.
CHARACTERS_PER_TOKEN = 50


def _serialize_decimal(value: object) -> str:
    return plain_text(value) if isinstance(value, Decimal) else str(value)


def _parse_decimal(value: object) -> object:
    parsed = DecimalDefinition.parse_value(value)  # type: ignore[misc]
    return plain(parsed) if isinstance(parsed, Decimal) else parsed


# Strawberry's Decimal prints exponent form (1E+3) where REST and the database say 1000.
PLAIN_DECIMAL = dataclasses.replace(
    DecimalDefinition, serialize=_serialize_decimal, parse_value=_parse_decimal
)


def _serialize_datetime(value: object) -> str:
    return utc_text(value) if isinstance(value, datetime) else str(value)


# Strawberry prints isoformat (+00:00, or the offset a value happens to carry); REST says
# RFC 3339 in UTC with Z, and so does every DateTime here, the echoed asOf included.
UTC_DATETIME = dataclasses.replace(
    DateTimeDefinition,
    description="An instant, RFC 3339 in UTC with Z, e.g. 2027-05-03T18:30:00Z.",
    serialize=_serialize_datetime,
)


def build_schema(config: GraphQLConfig) -> strawberry.Schema:
    """The schema with its limits; extensions are factories, so no state is shared by requests."""
    extensions: list[Callable[[], SchemaExtension]] = [
        OperationNameInLogs,  # first: a refused document is named in the logs too
        partial(DocumentSizeLimiter, max_chars=config.max_tokens * CHARACTERS_PER_TOKEN),
        partial(QueryDepthLimiter, max_depth=config.max_depth),
        partial(IntrospectionDepthLimiter, max_depth=config.max_depth),
        partial(MaxAliasesLimiter, max_alias_count=config.max_aliases),
        partial(MaxTokensLimiter, max_token_count=config.max_tokens),
        UnstorableStrings,
        partial(ValidatedOnce, clean=CleanDocuments()),  # after every per-request check
        ErrorCodes,
    ]
    if not config.introspection:
        extensions.append(DisableIntrospection)
    return OkrSchema(
        query=Query,
        mutation=Mutation,
        extensions=extensions,
        scalar_overrides={Decimal: PLAIN_DECIMAL, datetime: UTC_DATETIME},
        config=StrawberryConfig(disable_field_suggestions=not config.introspection),
        execution_context_class=PlainFieldsExecutionContext,
    )
