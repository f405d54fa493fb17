"""W3C Trace Context (https://www.w3.org/TR/trace-context/): the ``traceparent`` a caller sends.

Hand-written rather than OpenTelemetry: the service records no spans and exports nothing,
it only writes the caller's trace id in its log lines; parsing the header is a few lines,
where OpenTelemetry would add an API, an SDK and a tracer provider with no exporter.

``traceparent: 00-<trace-id: 32 hex>-<parent-id: 16 hex>-<flags: 2 hex>``, lowercase. A
header that does not parse is ignored, as the specification says, and so is ``tracestate``
(the service has no vendor entry to read from it).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

# Version 00 is exactly these four fields. A later version may append fields after a dash
# (the specification's forward compatibility): read the four, ignore the rest.
_TRACEPARENT = re.compile(
    r"^(?P<version>[0-9a-f]{2})-(?P<trace_id>[0-9a-f]{32})-(?P<parent_id>[0-9a-f]{16})"
    r"-(?P<flags>[0-9a-f]{2})(?P<rest>-.*)?$"
)
_INVALID_VERSION = "ff"
_ZERO_TRACE_ID = "0" * 32
_ZERO_PARENT_ID = "0" * 16


@dataclass(frozen=True, slots=True)
class TraceContext:
    """The trace a request belongs to: the caller's, or one started here (no parent)."""

    trace_id: str
    parent_id: str | None = None

    def log_fields(self) -> dict[str, str]:
        fields = {"trace_id": self.trace_id}
        if self.parent_id is not None:
            fields["parent_span_id"] = self.parent_id
        return fields


def parse_traceparent(value: str) -> TraceContext | None:
    """The trace of a ``traceparent`` header value, or None when the value is not valid."""
    match = _TRACEPARENT.match(value.strip(" \t"))
    if match is None:
        return None
    version, trace_id, parent_id = match["version"], match["trace_id"], match["parent_id"]
    if version == _INVALID_VERSION or (version == "00" and match["rest"] is not None):
        return None
    if trace_id == _ZERO_TRACE_ID or parent_id == _ZERO_PARENT_ID:
        return None
    return TraceContext(trace_id=trace_id, parent_id=parent_id)


def trace_of(headers: list[tuple[bytes, bytes]]) -> TraceContext:
    """The caller's trace when it sent exactly one valid ``traceparent``, else a new trace.

    Two ``traceparent`` headers are ambiguous, so both are ignored; a new trace id still
    lets every log line of the request be joined."""
    values = [value for name, value in headers if name == b"traceparent"]
    if len(values) == 1:
        found = parse_traceparent(values[0].decode("latin-1"))
        if found is not None:
            return found
    return TraceContext(trace_id=new_trace_id())


def new_trace_id() -> str:
    """16 random bytes in hex, as the specification asks (never all zeros)."""
    while (trace_id := secrets.token_hex(16)) == _ZERO_TRACE_ID:
        continue
    return trace_id
