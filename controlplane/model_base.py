"""The base class of every generated model (`generated/models.py`, datamodel-codegen `base-class`).

Hand-written half of the generated layer: it imports only pydantic, so `generated/` still depends
on nothing else of ours. Validators and serializers are built on a model's first use instead of
at import (`defer_build`): a Lambda uses a handful of the contract's models, and building all of
them was most of a handler's cold import.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class GeneratedModel(BaseModel):
    """A contract model; behaves exactly as `pydantic.BaseModel`, built lazily."""

    model_config = ConfigDict(defer_build=True)
