"""Contains some shared types for properties"""

# This module comes from clients/python/templates/types.py.jinja (the generator's types.py with
# `Response.parsed` never None, `Response.etag`/`.location`, and `new_idempotency_key`): edit the
# template, then run `make generate`.

import uuid
from collections.abc import Mapping, MutableMapping
from http import HTTPStatus
from typing import IO, BinaryIO, Generic, Literal, TypeVar

from attrs import define


class Unset:
    def __bool__(self) -> Literal[False]:
        return False


UNSET: Unset = Unset()

# The types that `httpx.Client(files=)` can accept, copied from that library.
FileContent = IO[bytes] | bytes | str
FileTypes = (
    # (filename, file (or bytes), content_type)
    tuple[str | None, FileContent, str | None]
    # (filename, file (or bytes), content_type, headers)
    | tuple[str | None, FileContent, str | None, Mapping[str, str]]
)
RequestFiles = list[tuple[str, FileTypes]]


@define
class File:
    """Contains information for file uploads"""

    payload: BinaryIO
    file_name: str | None = None
    mime_type: str | None = None

    def to_tuple(self) -> FileTypes:
        """Return a tuple representation that httpx will accept for multipart/form-data"""
        return self.file_name, self.payload, self.mime_type


T = TypeVar("T")


@define
class Response(Generic[T]):
    """A successful response from an endpoint (the others raise `errors.ApiError`)"""

    status_code: HTTPStatus
    content: bytes
    headers: MutableMapping[str, str]
    parsed: T

    @property
    def etag(self) -> str | None:
        """The `ETag` header: the version to send back in `If-Match` to update or delete safely"""
        return self.headers.get("ETag")

    @property
    def location(self) -> str | None:
        """The `Location` header: the URL path of a created resource"""
        return self.headers.get("Location")


def new_idempotency_key() -> str:
    """A fresh `Idempotency-Key`, sent by creating operations when the caller gives none"""
    return uuid.uuid4().hex


__all__ = ["UNSET", "File", "FileTypes", "RequestFiles", "Response", "Unset", "new_idempotency_key"]
