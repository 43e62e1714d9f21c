"""`gatewayctl prices`: the price of each model (USD per 1M tokens) and operators' overrides."""

from __future__ import annotations

from typing import Any

import click

from controlplane.cli.api import (
    ApiCommand,
    JsonObject,
    answer_json,
    body_of,
    client,
    from_file_option,
    given,
    items,
    page_size_option,
    typed_body,
)
from controlplane.cli.app import main
from controlplane.cli.output import details, emit, grid, output_option


@main.group()
def prices() -> None:
    """Prices: what each provider model costs, in USD per 1M tokens.

    Every model has the default price shipped with the control plane unless an operator set an
    override; `reset` removes the override. PROVIDER is one of bedrock, anthropic, openai,
    gemini, vertex, azure; MODEL is the provider's model id.

    \b
    Example:
      gatewayctl prices list --provider bedrock
      gatewayctl prices set anthropic claude-sonnet-4-20250514 --input 3 --output-price 15
    """


@prices.command("list", cls=ApiCommand)
@page_size_option()
@click.option("--provider", default=None, help="Only this provider's models.")
@output_option()
@click.pass_context
def prices_list(ctx: click.Context, provider: str | None, output: str) -> None:
    """List every price (all pages), defaults and overrides, by provider then model.

    \b
    Example:
      gatewayctl prices list --provider anthropic
      gatewayctl prices list -o json | jq '.[] | select(.source == "override")'
    """
    from gateway_admin_api.api.pricing import list_prices

    found = items(ctx, list_prices.sync_detailed, provider=given(provider))
    emit(output, found, lambda: _prices_table(found))


def _prices_table(found: list[JsonObject]) -> Any:
    return grid(
        [
            "Provider",
            "Model",
            ">Input",
            ">Output",
            ">Cache read",
            ">Cache write",
            "Long context",
            "Source",
        ],
        [
            [
                price["provider"],
                price["model"],
                price["input"],
                price["output"],
                price.get("cache_read"),
                price.get("cache_write"),
                _long_context(price.get("long_context")),
                price["source"],
            ]
            for price in found
        ],
        title="USD per 1M tokens",
        droppable=["Long context", "Cache write", "Cache read"],
    )


def _long_context(rates: JsonObject | None) -> str:
    if not rates:
        return ""
    return f"above {rates['above_tokens']:,}: {rates['input']} / {rates['output']}"


@prices.command("get", cls=ApiCommand)
@click.argument("provider")
@click.argument("model")
@output_option()
@click.pass_context
def prices_get(ctx: click.Context, provider: str, model: str, output: str) -> None:
    """Show the price of a model: the override if there is one, else the default.

    \b
    Example:
      gatewayctl prices get anthropic claude-sonnet-4-20250514
    """
    from gateway_admin_api.api.pricing import get_price

    answer = answer_json(get_price.sync_detailed(provider, model, client=client(ctx)))
    emit(output, answer, lambda: details(answer))


@prices.command("set", cls=ApiCommand)
@click.argument("provider")
@click.argument("model")
@click.option(
    "--input", "--input-price", "input_", default=None, metavar="USD", help="Per 1M input tokens."
)
@click.option(
    "--output-price",
    "output_price",
    default=None,
    metavar="USD",
    help="Per 1M output tokens (not --output: -o/--output is the output format).",
)
@click.option("--cache-read", default=None, metavar="USD", help="Per 1M cache-read tokens.")
@click.option("--cache-write", default=None, metavar="USD", help="Per 1M cache-write tokens.")
@click.option(
    "--long-context-above",
    type=int,
    default=None,
    metavar="TOKENS",
    help="Prompt size above which --long-context-input/-output apply to the whole request.",
)
@click.option("--long-context-input", default=None, metavar="USD")
@click.option("--long-context-output", default=None, metavar="USD")
@click.option(
    "--if-match",
    default=None,
    metavar="ETAG",
    help='Only if it is still this version ("0": still the default; default: the ETag read '
    "just before).",
)
@from_file_option()
@output_option()
@click.pass_context
def prices_set(
    ctx: click.Context,
    provider: str,
    model: str,
    input_: str | None,
    output_price: str | None,
    cache_read: str | None,
    cache_write: str | None,
    long_context_above: int | None,
    long_context_input: str | None,
    long_context_output: str | None,
    if_match: str | None,
    from_file: str | None,
    output: str,
) -> None:
    """Set the operator's price of a model, replacing the default until `prices reset`.

    The body is the whole price (nothing is merged with the default): --input and
    --output-price are required, the cache and long-context prices optional.

    \b
    Example:
      gatewayctl prices set bedrock anthropic.claude-sonnet-4-20250514-v1:0 \\
        --input 2.70 --output-price 13.50 --cache-read 0.27 --cache-write 3.375
    """
    from gateway_admin_api.api.pricing import get_price, put_price_override
    from gateway_admin_api.errors import NotFound
    from gateway_admin_api.models import PriceOverride

    long_context = {
        "above_tokens": long_context_above,
        "input": long_context_input,
        "output": long_context_output,
    }
    given_long_context = {key: value for key, value in long_context.items() if value is not None}
    body = body_of(
        from_file,
        {
            "input": input_,
            "output": output_price,
            "cache_read": cache_read,
            "cache_write": cache_write,
            "long_context": given_long_context or None,
        },
    )
    request = typed_body(PriceOverride.from_dict, body, "price")
    version = if_match
    if version is None:
        try:
            version = get_price.sync_detailed(provider, model, client=client(ctx)).etag
        except NotFound:
            version = None  # a model without a price yet: nothing to be concurrent with
    answer = answer_json(
        put_price_override.sync_detailed(
            provider, model, client=client(ctx), body=request, if_match=given(version)
        )
    )
    emit(output, answer, lambda: details(answer))


@prices.command("reset", cls=ApiCommand)
@click.argument("provider")
@click.argument("model")
@click.option("--if-match", default=None, metavar="ETAG", help="Only if it is still this version.")
@click.pass_context
def prices_reset(ctx: click.Context, provider: str, model: str, if_match: str | None) -> None:
    """Remove the override of a model: its default price applies again (404 if there is no
    override).

    \b
    Example:
      gatewayctl prices reset bedrock anthropic.claude-sonnet-4-20250514-v1:0
    """
    from gateway_admin_api.api.pricing import delete_price_override

    delete_price_override.sync_detailed(
        provider, model, client=client(ctx), if_match=given(if_match)
    )
    click.echo(f"Reset {provider}/{model} to its default price")
