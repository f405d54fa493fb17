"""A PATCH input tells "not sent" from "sent as null": ``UNSET`` marks a field left alone."""

from __future__ import annotations

from enum import Enum
from typing import Literal, TypeVar, Union

T = TypeVar("T")


class Unset(Enum):
    UNSET = "unset"


UNSET = Unset.UNSET

Maybe = Union[T, Literal[Unset.UNSET]]  # noqa: UP007 (a generic alias needs Union in 3.11)
