"""Field limits and bounds the domain owns, written once and read by every layer.

The shapes (``api/<capability>/shapes.py``) put them in their pydantic fields, so REST and
GraphQL refuse an overlong value alike; the tables size their columns from them.
"""

from __future__ import annotations

from typing import Final

CYCLE_NAME_MAX_LENGTH: Final = 200
"""A cycle's name (周期名称), in characters."""

OKR_TITLE_MAX_LENGTH: Final = 300
"""The title of an objective, key result, milestone or action, and a template's (标题)."""

OKR_DESCRIPTION_MAX_LENGTH: Final = 10_000
"""An objective's description, and a template's texts of that kind, in characters."""

KEY_RESULT_UNIT_MAX_LENGTH: Final = 40
"""A key result's unit ("天" / "days"), as a template writes it too."""

TEMPLATE_ROLE_NAME_MAX_LENGTH: Final = 200
"""The role a template is for (角色), in either language."""

TEMPLATE_KEY_MAX_LENGTH: Final = 64
"""A template's slug (``key-account-manager``)."""

KPI_NAME_MAX_LENGTH: Final = 200
"""A KPI's name (指标名称), in characters once stripped; a search by name is no longer."""

KPI_UNIT_MAX_LENGTH: Final = 40
"""A KPI's unit, shown next to its values ("CNY", "%", "单")."""

KPI_NOTE_MAX_LENGTH: Final = 2000
"""A KPI measurement's note. It travels into each following KR's check-in note behind
"from KPI <name>: ", so with the name's bound it always fits a check-in note (10,000)."""

KPI_RECORDED_BY_MAX_LENGTH: Final = 200
"""Who posted a KPI measurement: a member id or ``service:<client>``."""

PRINCIPAL_SUBJECT_MAX_LENGTH: Final = 200
"""Who did something, as stored with it (a check-in's author, an audit event's actor, the
caller of an idempotent request): a member id or ``service:<client>``."""

ORGANIZATION_NAME_MAX_LENGTH: Final = 200
"""An organization's name (组织名称), in characters."""

MEMBER_NAME_MAX_LENGTH: Final = 200
"""A member's name, in characters."""

EMAIL_MAX_LENGTH: Final = 320
"""A member's email address: RFC 5321's 64-character local part, @ and 255-character domain."""

EXTERNAL_ID_MAX_LENGTH: Final = 200
"""A member's id in the HR system (``external_id``)."""

MEMBER_SEARCH_MAX_LENGTH: Final = 200
"""The ``q`` filter of the member list (part of a name or email)."""

UNIT_NAME_MAX_LENGTH: Final = 200
"""An org unit's name (部门/团队名称), in characters."""

OBJECTIVE_SEARCH_MAX_LENGTH: Final = 200
"""The ``q`` filter of the objective list (part of a title)."""

ACTION_COMPLETION_STANDARD_MAX_LENGTH: Final = 10_000
"""An action's completion standard (what done means), in characters."""

COMMENT_BODY_MAX_LENGTH: Final = 5000
"""A comment's body with its mention markup, in characters once stripped."""

MEETING_TITLE_MAX_LENGTH: Final = 200
"""A review meeting's title (复盘会/周会/月报的标题), in characters once stripped."""

MEETING_FINDINGS_MAX_LENGTH: Final = 10_000
"""What a review meeting found (复盘结论), in characters once stripped."""

REVIEW_CYCLE_NAME_MAX_LENGTH: Final = 200
"""A 360 review cycle's name (评价周期名称), in characters."""

REVIEW_QUESTION_TEXT_MAX_LENGTH: Final = 500
"""A 360 review question's text, in either language, in characters once stripped."""

REVIEW_COMMENT_MAX_LENGTH: Final = 2000
"""A comment in a 360 review answer, in characters once stripped."""

FINAL_SCORE_REASON_MAX_LENGTH: Final = 2000
"""Why a key result got its final score at cycle close, in characters."""

CHECK_IN_TEXT_MAX_LENGTH: Final = 10_000
"""A check-in's note (what happened) and its blockers (what blocks), in characters."""

CHECK_IN_ORIGIN_MAX_LENGTH: Final = 200
"""A check-in's ``external_id`` (the sender's own id of the update: a CRM event, a sheet row)
and the name of the integration that wrote it, in characters once stripped."""

# Webhook endpoints (issue 17): a URL as browsers and HTTP clients accept them, a free note.
WEBHOOK_URL_MAX_LENGTH: Final = 2000
WEBHOOK_DESCRIPTION_MAX_LENGTH: Final = 500

FORECAST_NOTE_MAX_LENGTH: Final = 2000
"""An external forecast's note (a CRM's comment on the commit), in characters."""

API_CLIENT_NAME_MAX_LENGTH: Final = 200
"""An API client's name (an integration's label for admins), in characters."""
