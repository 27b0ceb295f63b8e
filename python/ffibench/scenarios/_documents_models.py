"""The typed models of the documents scenario's anchors: a ``msgspec.Struct`` and a pydantic v2
model of the spec's document.

A module of its own, without ``from __future__ import annotations``: both libraries resolve
the annotations of a class at its module level, which a class made inside a function lacks.
"""

import msgspec
import pydantic


class StructLayer(msgspec.Struct):
    """A layer as a ``msgspec.Struct``."""

    name: str
    kind: str
    shape: list[int]
    parameters: int


class StructDocument(msgspec.Struct):
    """The document as a typed ``msgspec.Struct``."""

    name: str
    version: int
    created: str
    description: str | None
    parent: str | None
    hyperparameters: dict[str, bool | int | float | str]
    layers: list[StructLayer]
    metrics: dict[str, list[float]]
    tags: list[str]


#: Strict (an int is not a float), no NaN or infinity, no unknown field: the spec's rules.
STRICT = pydantic.ConfigDict(strict=True, allow_inf_nan=False, extra="forbid")


class ModelLayer(pydantic.BaseModel):
    """A layer as a pydantic model."""

    model_config = STRICT
    name: str
    kind: str
    shape: list[int]
    parameters: int


class ModelDocument(pydantic.BaseModel):
    """The document as a strict pydantic v2 model."""

    model_config = STRICT
    name: str
    version: int
    created: str
    description: str | None
    parent: str | None
    hyperparameters: dict[str, bool | int | float | str]
    layers: list[ModelLayer]
    metrics: dict[str, list[float]]
    tags: list[str]
