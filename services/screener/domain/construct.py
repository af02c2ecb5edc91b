"""Building pydantic models from values that are already valid, at a fraction of validation's cost.

`built` does what `Model.model_construct(fields_set, **values)` does when `values` holds every
field, in declaration order, with its default where none was given: it sets the four instance
slots a pydantic model has. The result compares equal to the validated model and has the same
`model_fields_set`. Callers must guarantee the values are exactly what validation would produce.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

Model = TypeVar("Model", bound=BaseModel)

_SLOTS = ("__dict__", "__pydantic_fields_set__", "__pydantic_extra__", "__pydantic_private__")
_SET_DICT, _SET_FIELDS_SET, _SET_EXTRA, _SET_PRIVATE = (BaseModel.__dict__[name].__set__ for name in _SLOTS)


def built(cls: type[Model], values: dict[str, Any], fields_set: set[str]) -> Model:
    """A `cls` holding `values` (every field, declaration order) as if validated from `fields_set` keys."""
    model = object.__new__(cls)
    _SET_DICT(model, values)
    _SET_FIELDS_SET(model, fields_set)
    _SET_EXTRA(model, None)
    _SET_PRIVATE(model, None)
    return model
