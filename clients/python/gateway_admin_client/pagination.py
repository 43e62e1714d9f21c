"""Every page of a list operation, following `next_cursor` until it is null.

    for team in iterate(list_teams.sync, client=client, status="active"):
        ...

`fetch` is any generated list operation (`list_teams.sync`, `list_budgets.sync`…): it is called
with the arguments given, then again with `cursor=` the previous page's `next_cursor`, so the
filters stay the same on every page, as the API requires.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, ParamSpec, Protocol, TypeVar, cast

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
P = ParamSpec("P")


class Page(Protocol[T_co]):
    """What every list answer of the contract has."""

    @property
    def items(self) -> Sequence[T_co]: ...

    @property
    def next_cursor(self) -> str | None: ...


PageT = TypeVar("PageT", bound=Page[Any])


class CursorLoop(RuntimeError):
    """The API answered a cursor it had answered before: following it would never end."""


def iterate_pages(
    fetch: Callable[P, PageT], /, *args: P.args, **kwargs: P.kwargs
) -> Iterator[PageT]:
    """The pages, first to last (from `cursor=` if it is given)."""
    call = cast(Callable[..., PageT], fetch)
    seen: set[str] = set()
    while True:
        page = call(*args, **kwargs)
        yield page
        cursor = page.next_cursor
        if cursor is None:
            return
        if cursor in seen:
            raise CursorLoop(f"the API answered the cursor {cursor!r} twice")
        seen.add(cursor)
        kwargs["cursor"] = cursor


def iterate(fetch: Callable[P, Page[T]], /, *args: P.args, **kwargs: P.kwargs) -> Iterator[T]:
    """The items of every page, in order."""
    for page in iterate_pages(fetch, *args, **kwargs):
        yield from page.items
