"""How the admin API commands print: a table for people (rich), or the API's JSON or YAML for
scripts (`-o json|yaml`), always on stdout; notes for people go to stderr."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
    from rich.table import Table

FORMATS = ("table", "json", "yaml")
WIDTH_WHEN_NOT_A_TERMINAL = 160
"""Tables written to a pipe or a file: wide enough for ids, not wrapped at 80 columns."""


def output_option(*formats: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    chosen = formats or FORMATS
    return click.option(
        "-o",
        "--output",
        "output",
        type=click.Choice(chosen),
        default=chosen[0],
        show_default=True,
        help=(
            "table for people; json or yaml (the API's fields) for scripts."
            if "table" in chosen
            else "The document as YAML or JSON."
        ),
    )


def console(*, stderr: bool = False) -> Console:
    """A console on the command's stdout (or stderr), as rich sees it: colours and the
    terminal's width on a terminal, plain text elsewhere."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    width = None
    if not stream.isatty() and not os.environ.get("COLUMNS"):
        width = WIDTH_WHEN_NOT_A_TERMINAL
    return Console(file=stream, width=width, highlight=False, soft_wrap=False)


def emit(output: str, data: Any, table: Callable[[], RenderableType]) -> None:
    """`data` (the API's JSON) as JSON or YAML, or the table `table` builds from it."""
    if output == "json":
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    elif output == "yaml":
        import yaml

        click.echo(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), nl=False)
    else:
        console().print(table())


def note(message: str) -> None:
    """A line for the person at the terminal, never mixed into what scripts parse."""
    click.echo(message, err=True)


def grid(
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    title: str | None = None,
    droppable: Sequence[str] = (),
    wrap: Sequence[str] = (),
) -> RenderableType:
    """A table; columns whose name starts with `>` are right-aligned (numbers). Cells are text,
    never rich markup: a regex such as `[a-z]+` shows as written.

    On a terminal too narrow for every column, the `droppable` ones are left out, first named
    first, until the rest fits without cutting a value short (ids and names are what people copy).
    If it still does not fit, the `wrap` columns wrap and the others stay whole where they can.
    """
    return _FittedTable(
        list(columns), [list(row) for row in rows], title, list(droppable), set(wrap)
    )


class _FittedTable:
    def __init__(
        self,
        columns: list[str],
        rows: list[list[Any]],
        title: str | None,
        droppable: list[str],
        wrap: set[str],
    ) -> None:
        self.columns, self.rows, self.title = columns, rows, title
        self.droppable, self.wrap = droppable, wrap

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from rich.measure import Measurement

        # A table measures itself within the width it is given: its natural width is its
        # measure within an unbounded one.
        unbounded = options.update_width(1 << 20)
        shown = list(self.columns)
        table = self._table(shown)
        for name in self.droppable:
            if Measurement.get(console, unbounded, table).maximum <= options.max_width:
                break
            shown = [column for column in shown if column.lstrip(">") != name]
            table = self._table(shown)
        yield table

    def _table(self, shown: list[str]) -> Table:
        from rich import box
        from rich.table import Table
        from rich.text import Text

        table = Table(
            box=box.SIMPLE_HEAD,
            show_edge=False,
            pad_edge=False,
            title=self.title,
            title_justify="left",
            title_style="bold",
        )
        indexes = [self.columns.index(column) for column in shown]
        for column in shown:
            name = column.lstrip(">")
            table.add_column(
                name,
                justify="right" if column.startswith(">") else "left",
                no_wrap=bool(self.wrap) and name not in self.wrap,
                overflow="fold" if name in self.wrap else "ellipsis",
            )
        for row in self.rows:
            table.add_row(*(Text(text(row[index])) for index in indexes))
        return table


def details(item: dict[str, Any], *, title: str | None = None) -> Table:
    """One resource as a two-column table: field, value (nested values as YAML)."""
    from rich.table import Table
    from rich.text import Text

    table = Table(
        box=None,
        show_header=False,
        pad_edge=False,
        padding=(0, 3, 0, 0),
        title=title,
        title_justify="left",
        title_style="bold",
    )
    table.add_column("field", style="bold")
    table.add_column("value")
    for key, value in item.items():
        table.add_row(Text(key), Text(text(value)))
    return table


def text(value: Any) -> str:
    """A value for a table cell: nested values as compact YAML, nothing for None."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict | list):
        if not value:
            return "—"
        if isinstance(value, list) and not any(isinstance(one, dict | list) for one in value):
            return ", ".join(str(one) for one in value)
        import yaml

        return yaml.safe_dump(value, sort_keys=False, default_flow_style=False).rstrip()
    return str(value)


def usd(amount: str | None) -> str:
    """A decimal string of dollars for people: grouped, 2 decimals (`<0.01` for less)."""
    if amount is None:
        return ""
    try:
        value = Decimal(amount)
    except InvalidOperation:
        return amount
    if 0 < value < Decimal("0.005"):
        return "<0.01"
    return f"{value:,.2f}"


def count(number: int | None) -> str:
    return "" if number is None else f"{number:,}"
