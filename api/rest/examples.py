"""Example values built from a JSON Schema of the OpenAPI document, the same every time.

Documentation tools show an example for every request and response body; without one they
invent placeholders (``"string"``, ``0``, ``"3fa85f64-..."``) that look like the API's
answers but are not. An example per route written by hand would drift from the models, so
one is derived from each schema: what a field declares (``examples``, ``example``,
``default``) first, then its format, its name and its type. Values are made to validate
against the schema (tests/api/test_openapi_examples.py checks every one).

Hand-written rather than a library: the Python generators (hypothesis-jsonschema, jsf)
produce random values, where documentation needs stable, readable ones.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any, Final

Schema = dict[str, Any]

_SCHEMAS = "#/components/schemas/"
# A recursive shape (an alignment tree's children) is shown this many levels deep.
_RECURSION_DEPTH = 2
_FIRST_MOMENT_MS = 1775034000000  # 2026-04-01T09:00:00Z, the time in every id below
DATE_TIME = "2026-04-01T09:00:00Z"
DATE = "2026-04-01"
DECIMAL = "0.40"
EMAIL = "li.wei@example.com"


def uuid_for(name: str) -> str:
    """A UUIDv7-looking id, the same for the same name: its time is 2026-04-01 09:00 UTC,
    its random bits a digest of the name."""
    digest = hashlib.sha256(name.encode()).hexdigest()
    stamp = f"{_FIRST_MOMENT_MS:012x}"
    variant = "89ab"[int(digest[3], 16) % 4]
    return f"{stamp[:8]}-{stamp[8:]}-7{digest[:3]}-{variant}{digest[4:7]}-{digest[7:19]}"


_DATES = {"due_date": "2026-06-30", "end_date": "2026-06-30", "end": "2026-06-30"}
_DECIMAL_NAME = re.compile(r"(^|_)(score|progress|weight|share|margin|below|value|rating)(_|$)")
_STRINGS: Final[dict[str, str]] = {
    "title": "Win the enterprise segment in EMEA",
    "title_en": "Win the enterprise segment in EMEA",
    "title_zh": "赢得欧洲、中东和非洲的企业客户",
    "name": "Li Wei",
    "email": EMAIL,
    "unit": "customers",
    "currency": "EUR",
    "description": "Grow where the product already wins and the sales team is strong.",
    "description_en": "Grow where the product already wins and the sales team is strong.",
    "description_zh": "在产品已有优势、销售团队强的地方增长。",
    # A mention as comments write it: @[name](the member's id).
    "body": f"Could the data team help with the churn report? @[Li Wei]({uuid_for('member_id')})",
    "blockers": "Waiting for the legal review of the contract template",
    "findings": "Two KRs were set too low; the pipeline review moves to weekly.",
    "reason": "Signed in the first week of the next cycle",
    "final_score_reason": "Signed in the first week of the next cycle",
    "completion_standard": "The signed contract is in the CRM",
    "role_name_en": "Sales manager",
    "role_name_zh": "销售经理",
    "external_id": "HR-00042",
    "key": "sales-manager-growth",
    "next_cursor": "eyJpZCI6IjAxOWQ0OGJhLTI0ODAtNyJ9",
}
_INTEGERS: Final[dict[str, int]] = {
    "confidence": 7,
    "max_peers": 8,
    "year": 2026,
    "quarter": 2,
    "month": 4,
    "week": 14,
}
_TRUE_FLAGS = frozenset({"active", "comment_allowed", "alignment_upward_only", "roll_up"})
# Free-form objects: counts keyed by a grade or a status, an audit event's before and after.
_BY_GRADE: Final = {"green": 4, "yellow": 2, "red": 1}
_BY_STATUS: Final = {"on_track": 4, "at_risk": 2, "off_track": 1, "none": 0}
_OBJECTS: Final[dict[str, dict[str, Any]]] = {
    "before": {"title": "Win EMEA"},
    "after": {"title": "Win the enterprise segment in EMEA"},
}


class RecursiveSchema(ValueError):
    """A schema that requires itself, so no finite example exists."""


def example_of(schema: Schema, schemas: dict[str, Schema]) -> Any:
    """A value valid against ``schema``; ``$ref``s are looked up in ``schemas`` (the
    document's ``components.schemas``)."""
    return _Sampler(schemas).value(schema, name="")


_CYCLE = object()  # a $ref already expanded _RECURSION_DEPTH times on the way down


class _Sampler:
    def __init__(self, schemas: dict[str, Schema]) -> None:
        self._schemas = schemas
        self._open: list[str] = []  # the components being expanded, outermost first

    def value(self, schema: Schema, *, name: str) -> Any:
        declared = _declared(schema)
        if declared is not _NOTHING:
            return declared
        if "$ref" in schema:
            return self._ref(schema["$ref"], name=name)
        if "anyOf" in schema or "oneOf" in schema:
            return self._choice(schema.get("anyOf") or schema["oneOf"], name=name)
        if "enum" in schema or "const" in schema:
            return schema["enum"][0] if "enum" in schema else schema["const"]
        return self._typed(schema, name=name)

    def _typed(self, schema: Schema, *, name: str) -> Any:
        kind = schema.get("type")
        if kind == "object":
            return self._object(schema, name=name)
        if kind == "array":
            item = self.value(schema.get("items", {}), name=name)
            return [] if item is _CYCLE else [item]
        return _scalar(schema, name=name, owner=self._open[-1] if self._open else "")

    def _ref(self, ref: str, *, name: str) -> Any:
        component = ref.removeprefix(_SCHEMAS)
        if self._open.count(component) >= _RECURSION_DEPTH:
            return _CYCLE
        self._open.append(component)
        try:
            return self.value(self._schemas[component], name=name)
        finally:
            self._open.pop()

    def _choice(self, branches: list[Schema], *, name: str) -> Any:
        """The first branch that gives a value, preferring a string: decimals are accepted
        as numbers or strings, and the API writes them as strings (``"0.40"``)."""
        ordered = sorted(branches, key=_preference)
        for branch in ordered:
            candidate = self.value(branch, name=name)
            if candidate is not _CYCLE:
                return candidate
        return _CYCLE

    def _object(self, schema: Schema, *, name: str) -> Any:
        properties: dict[str, Schema] = schema.get("properties", {})
        if not properties:
            return _free_object(name)
        sample: dict[str, Any] = {}
        for key, subschema in properties.items():
            value = self.value(subschema, name=key)
            if value is _CYCLE:
                raise RecursiveSchema(f"{self._open[-1]}.{key} requires itself")
            sample[key] = value
        return sample


_NOTHING = object()


def _declared(schema: Schema) -> Any:
    """What the schema itself offers as an example; a ``null`` default is skipped where a
    real value can be shown."""
    examples = schema.get("examples")
    if isinstance(examples, list) and examples:
        return examples[0]
    if "example" in schema:
        return schema["example"]
    if schema.get("default") is not None:
        return schema["default"]
    return _NOTHING


def _free_object(name: str) -> dict[str, Any]:
    if name.endswith("_by_grade"):
        return dict(_BY_GRADE)
    if name.endswith("_status"):
        return dict(_BY_STATUS)
    return dict(_OBJECTS.get(name, {}))


def _preference(branch: Schema) -> tuple[bool, bool]:
    return branch.get("type") == "null", branch.get("type") != "string"


def _scalar(schema: Schema, *, name: str, owner: str) -> Any:
    kind = schema.get("type")
    if kind == "string":
        return _string(schema, name=name, owner=owner)
    if kind in ("integer", "number"):
        return _clamped(schema, _INTEGERS.get(name, 3) if kind == "integer" else 0.4)
    if kind == "boolean":
        return name in _TRUE_FLAGS
    return None  # "null", or a schema that admits anything


def _string(schema: Schema, *, name: str, owner: str) -> str:
    fmt = schema.get("format")
    if fmt == "uuid":
        return uuid_for(_id_name(name, owner))
    by_format = {"date-time": DATE_TIME, "date": _DATES.get(name, DATE), "email": EMAIL}
    if fmt in by_format:
        return by_format[fmt]
    if name in _STRINGS:
        return _STRINGS[name][: schema.get("maxLength")]
    return DECIMAL if _DECIMAL_NAME.search(name) else "example"


def _id_name(name: str, owner: str) -> str:
    """``KeyResultOut.id`` -> ``key_result_id``: a resource's own id is the same value as
    the ``key_result_id`` that points at it elsewhere in the examples."""
    if name != "id" or not owner:
        return name
    resource = re.sub(r"(Out|Create|Patch|In)$", "", owner)
    return re.sub(r"(?<!^)(?=[A-Z])", "_", resource).lower() + "_id"


def _clamped(schema: Schema, preferred: Any) -> Any:
    low = schema.get("minimum", schema.get("exclusiveMinimum"))
    high = schema.get("maximum", schema.get("exclusiveMaximum"))
    value = preferred
    if low is not None and value <= low:
        value = low if "minimum" in schema else low + 1
    if high is not None and value >= high:
        value = high if "maximum" in schema else high - 1
    return int(value) if schema.get("type") == "integer" else value
