"""`gatewayctl usage`: ingest agentgateway's access logs into the usage ledger (`ingest`, on the
data dir's store), and show a team's usage through the admin API (`show`, `history`)."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from controlplane.cli.api import (
    ApiCommand,
    JsonObject,
    answer_json,
    client,
    given,
    team_id,
)
from controlplane.cli.app import main, settings_of
from controlplane.cli.output import count, emit, grid, output_option, usd
from controlplane.money import format_usd

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderableType, RenderResult

DEFAULT_TOP_MODELS = 15
PERIOD = re.compile(r"2[0-9]{3}-(0[1-9]|1[0-2])\Z")
BAR_WIDTH = 40
"""Cells of the budget bar."""
CHART_MAX_BAR = 60
"""Cells of the longest bar of `usage history`, at most (fewer on a narrow terminal)."""
PARTIAL_BLOCKS = " ▏▎▍▌▋▊▉"
"""A cell filled 0/8 … 7/8 from the left; a full cell is █."""


@main.group()
def usage() -> None:
    """Usage: ingest agentgateway's access logs; show a team's spend, budget and history.

    \b
    Example:
      gatewayctl usage ingest /var/log/agentgateway/access.log
      gatewayctl usage show payments
      gatewayctl usage history payments --months 6
    """


@usage.command("ingest")
@click.argument("source", type=click.Path(allow_dash=True, dir_okay=False, path_type=Path))
@click.option("--follow", "-f", is_flag=True, help="Keep reading as the file grows (Ctrl-C stops).")
@click.option(
    "--batch-mb",
    default=8,
    show_default=True,
    type=click.IntRange(1, 256),
    help="Megabytes of log read at a time (bounds memory). A file's usage is written to the "
    "store once per 256 MB of it and at its end; stdin's once per read.",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar, only the summary.")
@click.option(
    "--metrics-port",
    type=click.IntRange(1, 65535),
    default=None,
    help="Serve this process's Prometheus metrics (ingested lines, cost, batches) on "
    "127.0.0.1:PORT/metrics while it runs (with --follow: the local counterpart of the "
    "usage_ingest Lambda's EMF figures).",
)
@click.pass_context
def usage_ingest(
    ctx: click.Context,
    source: Path,
    follow: bool,
    batch_mb: int,
    quiet: bool,
    metrics_port: int | None,
) -> None:
    """Ingest agentgateway's JSON access log from SOURCE (a file, or - for stdin).

    Each batch is applied exactly once: re-running over the same file never double counts (a
    checkpoint in the data dir remembers where each file was read to, and every batch carries
    an id recorded with its counters). Prints what was counted, skipped and left unpriced.

    Only complete lines are read. agentgateway ends every log line with a newline, so a last
    line without one is still being written: it is left for the next run (the summary says so)
    and counted once its newline arrives. A last line that is already a whole JSON object is
    the end of a finished file and is counted now. A file truncated, rewritten or rotated since
    its checkpoint is read again from its start.

    It writes to the data dir's store directly (not through the admin API), beside a running
    server or without one.

    \b
    Example:
      gatewayctl usage ingest /var/log/agentgateway/access.log
      gatewayctl usage ingest --follow --metrics-port 9101 /var/log/agentgateway/access.log
      tail -n +1 access.log | gatewayctl usage ingest -
    """
    from controlplane.file_ingest import Checkpoints, ingest_file, ingest_stream
    from controlplane.ingest import Ingestor, IngestReport
    from controlplane.services import build_services

    settings = settings_of(ctx)
    if metrics_port is not None:
        # Ingestion runs here, not in the server: its figures are scraped from this process.
        from prometheus_client import start_http_server

        from controlplane.adapters.prometheus import exposition_registry

        start_http_server(metrics_port, addr="127.0.0.1", registry=exposition_registry())
    services = build_services(settings)
    ingestor = Ingestor(services)
    batch_bytes = batch_mb * 1024 * 1024
    # Log records through our handler until the command ends (its context closes).
    ctx.with_resource(log_to_terminal())
    if str(source) == "-":
        report = ingest_stream(ingestor, sys.stdin.buffer, batch_bytes=batch_bytes)
        _print_ingest_summary(report)
        return
    if not source.exists():
        raise click.ClickException(f"{source} does not exist")
    checkpoints = Checkpoints(settings.checkpoint_path)
    if follow:

        def show(consumed: int, report: IngestReport) -> None:
            # Alerts as they are sent: a follow that is stopped prints no summary.
            for alert in report.alerts:
                click.echo(f"Alert sent: {alert.message}", err=True)
            if not quiet:
                click.echo(
                    f"{report.lines:>9,} lines  {report.requests:>9,} requests  "
                    f"{format_usd(report.cost_usd)} USD",
                    err=True,
                )

        try:
            total = ingest_file(
                ingestor, source, checkpoints, follow=True, on_batch=show, batch_bytes=batch_bytes
            )
        except KeyboardInterrupt:
            click.echo("stopped", err=True)
            return
        _print_ingest_summary(total)
        return
    from controlplane.file_ingest import start_position

    remaining = source.stat().st_size - start_position(source, checkpoints).offset
    with click.progressbar(
        length=remaining,
        label=f"Ingesting {source.name}",
        file=sys.stderr,
        hidden=quiet or remaining == 0,
        show_pos=False,
        show_percent=True,
        show_eta=True,
    ) as bar:
        total = ingest_file(
            ingestor,
            source,
            checkpoints,
            batch_bytes=batch_bytes,
            on_read=bar.update,
        )
    _print_ingest_summary(total)


@contextmanager
def log_to_terminal() -> Iterator[None]:
    """The command's log records as lines of their own on stderr, minus what its output reports.

    Without a handler, Python's last-resort one printed every warning bare, into the progress
    bar's line: each batch's unpriced models (with the batch's internal id) and each delivered
    alert, which the summary then listed again. Those two are left to the command's own output
    (the summary, or the per-batch lines of --follow); anything else (an alert that could not be
    delivered, a file re-read from its start) still shows.
    """
    from controlplane.alerts import ALERT_LOG_FIELD
    from controlplane.ingest import UNPRICED_LOG_FIELD

    handler = _TerminalLogHandler(reported_elsewhere=(ALERT_LOG_FIELD, UNPRICED_LOG_FIELD))
    logger = logging.getLogger("controlplane")
    logger.addHandler(handler)
    propagated = logger.propagate
    logger.propagate = False
    try:
        yield
    finally:
        logger.propagate = propagated
        logger.removeHandler(handler)


class _TerminalLogHandler(logging.Handler):
    """`warning: <message>` on stderr, one line per record, starting on a line of its own."""

    def __init__(self, reported_elsewhere: tuple[str, ...]) -> None:
        super().__init__(logging.WARNING)
        self.reported_elsewhere = reported_elsewhere

    def filter(self, record: logging.LogRecord) -> bool:
        return not any(hasattr(record, field) for field in self.reported_elsewhere)

    def emit(self, record: logging.LogRecord) -> None:
        line = f"{record.levelname.lower()}: {record.getMessage()}"
        if record.exc_info and record.exc_info[1] is not None:
            line += f" ({record.exc_info[1]!r})"
        # On a terminal the progress bar's line has no newline yet: clear it (it is redrawn on
        # its next update) instead of appending to it.
        erase = "\r\x1b[K" if sys.stderr.isatty() else ""
        click.echo(f"{erase}{line}", err=True)


def _print_ingest_summary(report: Any) -> None:
    skipped = sum(report.skipped.values())
    reasons = ", ".join(f"{k} {v:,}" for k, v in sorted(report.skipped.items())) or "none"
    lines = [
        f"Lines read:          {report.lines:,}",
        f"Requests counted:    {report.requests:,}",
        f"Cost:                {format_usd(report.cost_usd)} USD",
        f"Skipped lines:       {skipped:,} ({reasons})",
        f"Unattributed:        {report.unattributed_requests:,} requests (no known client id)",
        f"Unpriced:            {report.unpriced_requests:,} requests",
        f"Batches:             {report.chunks_applied:,} applied, "
        f"{report.chunks_already_applied:,} already applied before",
        f"Store writes:        {report.writes:,}",
    ]
    if report.unpriced_models:
        models = ", ".join(f"{p}/{m}" for p, m in sorted(report.unpriced_models))
        lines.append(f"Unpriced models:     {models}")
    if report.alerts:
        for alert in report.alerts:
            lines.append(f"Alert sent:          {alert.message}")
    partial = getattr(report, "partial_line_bytes", 0)
    if report.lines == 0 and report.chunks == 0:
        where = "its complete lines" if partial else "the file"
        lines = [f"Nothing new to ingest (the checkpoint is at the end of {where})."]
    if getattr(report, "restarted", False):
        lines.append(
            "Read from the start: the file no longer held what was read up to its checkpoint "
            "(truncated or rewritten)"
        )
    if partial:
        lines.append(
            f"Partial last line:   {partial:,} bytes without a newline (still being written?): "
            "left for the next run, which counts it once it ends with a newline"
        )
    click.echo("\n".join(lines))


# Through the admin API ---------------------------------------------------------------------------


def _period(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not PERIOD.match(value):
        raise click.BadParameter(f"{value!r} is not a month YYYY-MM (2000-01 to 2999-12)")
    return value


@usage.command("show", cls=ApiCommand)
@click.argument("team")
@click.option(
    "--period",
    metavar="YYYY-MM",
    default=None,
    callback=_period,
    help="The calendar month (UTC); default: the current one.",
)
@click.option(
    "--top",
    type=click.IntRange(0),
    default=DEFAULT_TOP_MODELS,
    show_default=True,
    help="Models listed in the table, costliest first (0: all); -o json has them all.",
)
@output_option()
@click.pass_context
def usage_show(ctx: click.Context, team: str, period: str | None, top: int, output: str) -> None:
    """A team's usage in a month: totals, its budget as a bar, and the cost of each model.

    TEAM is a team id (tm_…), a team name, or `unattributed` (usage whose client matched no
    team). Names are unique and never look like an id, so either is unambiguous.

    \b
    Example:
      gatewayctl usage show payments
      gatewayctl usage show payments --period 2026-11 -o json
    """
    from gateway_admin_api.api.usage import get_team_usage

    found = team_id(ctx, team, unattributed=True)
    answer = answer_json(
        get_team_usage.sync_detailed(found, client=client(ctx), period=given(period))
    )
    emit(output, answer, lambda: _usage_view(answer, _label(team, found), top))


@usage.command("history", cls=ApiCommand)
@click.argument("team")
@click.option(
    "--months",
    type=click.IntRange(1, 36),
    default=12,
    show_default=True,
    help="How many months, up to and including the current one.",
)
@output_option()
@click.pass_context
def usage_history(ctx: click.Context, team: str, months: int, output: str) -> None:
    """A team's monthly cost as a bar chart, oldest month first, with each month's requests.

    Bars are proportional to cost: the costliest month fills the chart's width (at most 60
    cells; eighths of a cell are drawn). TEAM is a team id (tm_…), a team name, or
    `unattributed`; either is unambiguous.

    \b
    Example:
      gatewayctl usage history payments
      gatewayctl usage history payments --months 6 -o json
    """
    from gateway_admin_api.api.usage import get_team_usage_history

    found = team_id(ctx, team, unattributed=True)
    answer = answer_json(
        get_team_usage_history.sync_detailed(found, client=client(ctx), months=months)
    )
    emit(output, answer, lambda: MonthlyChart(answer, _label(team, found)))


def _label(reference: str, found: str) -> str:
    return found if reference == found else f"{reference} ({found})"


def _usage_view(answer: JsonObject, label: str, top: int) -> RenderableType:
    from rich.console import Group
    from rich.text import Text

    totals = answer["totals"]
    parts: list[RenderableType] = [
        Text.assemble((f"Usage of {label}", "bold"), f" in {answer['period']} (UTC)"),
        Text(""),
    ]
    budget = answer.get("budget")
    parts += _budget_view(budget) if budget else [Text("No budget: spend is not limited.")]
    parts.append(
        grid(
            [
                ">Requests",
                ">Input tokens",
                ">Output tokens",
                ">Cache read",
                ">Cache write",
                ">Cost (USD)",
                ">Unpriced requests",
            ],
            [
                [
                    count(totals["requests"]),
                    count(totals["input_tokens"]),
                    count(totals["output_tokens"]),
                    count(totals["cache_read_tokens"]),
                    count(totals["cache_write_tokens"]),
                    usd(totals["cost_usd"]),
                    count(totals["unpriced_requests"]),
                ]
            ],
            title="Totals",
            droppable=["Cache write", "Cache read"],
        )
    )
    models = answer["models"]
    if models:
        total_cost = Decimal(totals["cost_usd"])
        shown, rest = (models[:top], models[top:]) if top else (models, [])
        parts.append(
            grid(
                [
                    "Provider",
                    "Model",
                    ">Requests",
                    ">Input",
                    ">Output",
                    ">Cache read",
                    ">Cache write",
                    ">Cost (USD)",
                    ">Share",
                ],
                [
                    [
                        model["provider"],
                        model["model"],
                        count(model["requests"]),
                        count(model["input_tokens"]),
                        count(model["output_tokens"]),
                        count(model["cache_read_tokens"]),
                        count(model["cache_write_tokens"]),
                        usd(model["cost_usd"]),
                        _share(Decimal(model["cost_usd"]), total_cost),
                    ]
                    for model in shown
                ],
                title="Per model, costliest first",
                droppable=["Cache write", "Cache read", "Provider", "Input", "Output"],
            )
        )
        if rest:
            rest_cost = sum((Decimal(model["cost_usd"]) for model in rest), Decimal(0))
            parts.append(
                Text(
                    f"… and {len(rest)} more models: {usd(format_usd(rest_cost))} USD, "
                    f"{_share(rest_cost, total_cost)} (--top 0 lists them all)"
                )
            )
    else:
        parts.append(Text("No requests in this period."))
    return Group(*parts)


def _share(part: Decimal, whole: Decimal) -> str:
    return f"{part / whole * 100:.1f} %" if whole else ""


def _budget_view(budget: JsonObject) -> list[RenderableType]:
    from rich.text import Text

    percent = Decimal(budget["percent_used"])
    colour = "red" if budget["exhausted"] else "yellow" if percent >= 80 else "green"
    filled = min(BAR_WIDTH, int(percent * BAR_WIDTH / 100))
    bar = Text.assemble(
        ("█" * filled, colour), ("░" * (BAR_WIDTH - filled), "dim"), f"  {percent} %"
    )
    state = (
        Text("  exhausted: requests are refused", style="bold red")
        if budget["exhausted"] and budget["enforcement"] == "hard"
        else Text("  exhausted (soft: requests still pass)", style="yellow")
        if budget["exhausted"]
        else Text("")
    )
    alerted = ", ".join(f"{threshold} %" for threshold in budget["alerted_thresholds"])
    lines: list[RenderableType] = [
        Text.assemble(("Budget ", "bold"), f"{budget['budget_id']} ({budget['enforcement']})"),
        bar,
        Text.assemble(
            f"{usd(budget['spent_usd'])} of {usd(budget['amount_usd'])} USD spent, "
            f"{usd(budget['remaining_usd'])} left",
            state,
        ),
        Text(f"Alerts sent this month at: {alerted}" if alerted else "No alert sent this month."),
    ]
    limits = budget.get("model_limits") or []
    if limits:
        lines.append(
            grid(
                ["Model", ">Limit (USD)", ">Spent (USD)", ">Used", "Exhausted"],
                [
                    [
                        limit["model"],
                        usd(limit["amount_usd"]),
                        usd(limit["spent_usd"]),
                        f"{limit['percent_used']} %",
                        limit["exhausted"],
                    ]
                    for limit in limits
                ],
                title="Per-model limits",
            )
        )
    lines.append(Text(""))
    return lines


class MonthlyChart:
    """`usage history` for people: one line per month, `YYYY-MM  bar  cost USD  requests`,
    the bars proportional to cost and as wide as the terminal allows."""

    def __init__(self, history: JsonObject, label: str) -> None:
        self.months = history["months"]
        self.label = label

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from rich.text import Text

        costs = [Decimal(month["cost_usd"]) for month in self.months]
        amounts = [usd(month["cost_usd"]) for month in self.months]
        requests = [count(month["requests"]) for month in self.months]
        unpriced = [
            f"  ({count(month['unpriced_requests'])} unpriced)"
            if month["unpriced_requests"]
            else ""
            for month in self.months
        ]
        amount_width = max(map(len, amounts), default=1)
        request_width = max(map(len, requests), default=1)
        # `2026-12  <bar>  1,234.56 USD  12,345 requests  (3 unpriced)`
        fixed = 7 + 2 + 2 + amount_width + 4 + 2 + request_width + len(" requests")
        fixed += max(map(len, unpriced), default=0)
        width = max(10, min(CHART_MAX_BAR, options.max_width - fixed))
        largest = max(costs, default=Decimal(0))
        total = sum(costs, Decimal(0))
        yield Text(f"Monthly cost of {self.label}", style="bold")
        yield Text("")
        rows = zip(self.months, costs, amounts, requests, unpriced, strict=True)
        for month, cost, amount, asked, unpriced_note in rows:
            bar = _bar(cost, largest, width)
            line = Text.assemble(
                month["period"],
                "  ",
                (bar.ljust(width), "cyan"),
                "  ",
                amount.rjust(amount_width),
                " USD  ",
                asked.rjust(request_width),
                " requests",
            )
            line.append(unpriced_note, style="yellow")
            yield line
        yield Text("")
        yield Text(
            f"Total: {usd(format_usd(total))} USD, "
            f"{count(sum(month['requests'] for month in self.months))} requests "
            f"in {len(self.months)} months"
        )


def _bar(cost: Decimal, largest: Decimal, width: int) -> str:
    """`cost` as a bar of eighths of a cell, the `largest` cost filling `width` cells. A cost
    above zero always shows (at least one eighth)."""
    if not largest or not cost:
        return ""
    eighths = max(1, round(cost / largest * width * 8))
    full, partial = divmod(eighths, 8)
    return "█" * full + (PARTIAL_BLOCKS[partial] if partial else "")
