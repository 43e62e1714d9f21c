"""What every CRUD operation does the same way: merge updates, guard versions, audit, commit."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel

from controlplane.api.context import RequestContext
from controlplane.api.operations import Reply
from controlplane.errors import Conflict, DomainError, PreconditionFailed
from controlplane.store.port import MustNotExist, Put, VersionIs, Write
from controlplane.store.repositories import Collection, Guarded, UniqueIndex, Versioned, commit

M = TypeVar("M", bound=BaseModel)


def merged(current: M, changes: BaseModel, **fields: Any) -> M:
    """`current` with the fields `changes` names (PUT semantics here) and `fields` applied."""
    data = current.model_dump()
    data.update(changes.model_dump(exclude_unset=True))
    data.update(fields)
    return type(current).model_validate(data)


def audit(
    ctx: RequestContext, action: str, before: BaseModel | None, after: BaseModel | None
) -> Put:
    return ctx.services.audit.record(
        actor=ctx.principal.client_id,
        action=action,
        resource=ctx.path,
        request_id=ctx.request_id,
        before=before,
        after=after,
    )


def changed_concurrently(ctx: RequestContext) -> DomainError:
    """What a lost race on the resource's version answers."""
    if ctx.if_match is not None:
        return PreconditionFailed(detail="the resource changed since the ETag in If-Match")
    return Conflict(detail="the resource changed at the same time as this request; retry")


def save_replacement(
    ctx: RequestContext,
    collection: Collection[M],
    key: str,
    current: Versioned[M],
    new: M,
    *,
    action: str,
    also: Sequence[Guarded | Write] = (),
) -> int:
    """Replace `current` by `new` if nobody changed it meanwhile; answer the new version."""
    ctx.check_version(current.version)
    put = collection.put(key, new, VersionIs(current.version))
    commit(
        ctx.services.store,
        [Guarded(put, changed_concurrently(ctx)), *also, audit(ctx, action, current.value, new)],
    )
    return current.version + 1


def delete_versioned(
    ctx: RequestContext,
    collection: Collection[M],
    key: str,
    current: Versioned[M],
    *,
    action: str,
    also: Sequence[Guarded | Write] = (),
) -> None:
    """Delete `current` if nobody changed it meanwhile."""
    ctx.check_version(current.version)
    delete = collection.delete(key, VersionIs(current.version))
    commit(
        ctx.services.store,
        [
            Guarded(delete, changed_concurrently(ctx)),
            *also,
            audit(ctx, action, current.value, None),
        ],
    )


def read(collection: Collection[M], key: str) -> Reply:
    """The resource with its ETag, or 404."""
    found = collection.require(key)
    return Reply(found.value, etag=found.version)


def commit_answer(ctx: RequestContext, writes: Sequence[Guarded | Write], reply: Reply) -> Reply:
    """Commit `writes` and, when the request carries an Idempotency-Key, the record of `reply` as
    its answer, in one transaction: a crash keeps both or neither."""
    pending = ctx.idempotency
    answer = [] if pending is None else [pending.completion(reply)]
    commit(ctx.services.store, [*writes, *answer])
    if pending is not None:
        pending.recorded = True
    return reply


def create(
    ctx: RequestContext,
    collection: Collection[M],
    key: str,
    value: M,
    *,
    action: str,
    location: str,
    also: Sequence[Guarded | Write] = (),
    answer_as: Callable[[M], BaseModel] | None = None,
) -> Reply:
    """Store a new resource with what must change with it, audited; answer 201 with it (or with
    what `answer_as` makes of it, e.g. with computed fields that are never stored)."""
    return commit_answer(
        ctx,
        [collection.put(key, value, MustNotExist()), *also, audit(ctx, action, None, value)],
        Reply(answer_as(value) if answer_as else value, status=201, etag=1, location=location),
    )


def renaming(
    index: UniqueIndex, old: str, new: str, owner: str, taken: DomainError
) -> list[Guarded | Write]:
    """The index writes that move a unique value (a name) from `old` to `new`, if it changed."""
    if old == new:
        return []
    return [Guarded(index.claim(new, owner), taken), index.release(old)]
