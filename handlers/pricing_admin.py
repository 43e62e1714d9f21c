"""pricing_admin: effective prices, static defaults merged with overrides (`/pricing`)."""

from __future__ import annotations

from typing import Any

from controlplane.adapters.apigw import handle_event
from controlplane.adapters.lambda_entry import lambda_entry
from controlplane.api.context import RequestContext
from controlplane.api.operations import Reply, operation
from controlplane.api.resources import create, delete_versioned, save_replacement
from controlplane.config_publisher import ConfigChange, check_change, publish
from controlplane.domain.pricing import PriceKey, effective_prices, normalise_price
from controlplane.domain.providers import is_known_provider, unknown_provider_message
from controlplane.errors import NotFound, Unprocessable, field_error
from controlplane.pricing import default_prices, override_table
from controlplane.store.repositories import decode_cursor, encode_cursor
from generated.models import (
    DeletePriceOverrideParameters,
    GetPriceParameters,
    ListPricesParameters,
    Price,
    PriceList,
    PriceOverride,
    PutPriceOverrideParameters,
)

DEFAULT_VERSION = 0
"""The ETag of a price that has no override: `If-Match: "0"` means "still the default"."""


def _price(key: PriceKey, price: dict[str, Any], source: str) -> Price:
    return Price.model_validate(
        {**price, "provider": key.provider, "model": key.model, "source": source}
    )


@operation("listPrices")
def list_prices(ctx: RequestContext, params: ListPricesParameters) -> Reply:
    after = decode_cursor(params.cursor)
    overrides = override_table(ctx.services.price_overrides)
    rows = [
        (key, price, source)
        for key, price, source in effective_prices(default_prices(), overrides)
        if params.provider in (None, key.provider) and (after is None or key.sort_key > after)
    ]
    page = rows[: params.limit]
    more = len(rows) > params.limit
    return Reply(
        PriceList(
            items=[_price(*row) for row in page],
            next_cursor=encode_cursor(page[-1][0].sort_key) if more else None,
        )
    )


@operation("getPrice")
def get_price(ctx: RequestContext, params: GetPriceParameters) -> Reply:
    key = PriceKey(params.provider, params.model)
    override = ctx.services.price_overrides.get(key.sort_key)
    if override is not None:
        return Reply(override.value, etag=override.version)
    default = default_prices().get(key)
    if default is None:
        raise NotFound(detail=f"no price for {key.provider} model {key.model}")
    return Reply(_price(key, default, "default"), etag=DEFAULT_VERSION)


@operation("putPriceOverride")
def put_price_override(
    ctx: RequestContext, params: PutPriceOverrideParameters, body: PriceOverride
) -> Reply:
    if not is_known_provider(params.provider):
        raise field_error(Unprocessable, "provider", unknown_provider_message(params.provider))
    services = ctx.services
    key = PriceKey(params.provider, params.model)
    price = _price(key, normalise_price(body.model_dump(exclude_none=True)), "override")
    price = price.model_copy(update={"updated_at": services.now()})
    current = services.price_overrides.get(key.sort_key)
    config = check_change(services, ConfigChange(prices={key: price.model_dump(exclude_none=True)}))
    if current is None:
        ctx.check_version(DEFAULT_VERSION)
        reply = create(
            ctx,
            services.price_overrides,
            key.sort_key,
            price,
            action="putPriceOverride",
            location=f"/pricing/{key.provider}/{key.model}",
            also=[config.write],
        )
    else:
        version = save_replacement(
            ctx,
            services.price_overrides,
            key.sort_key,
            current,
            price,
            action="putPriceOverride",
            also=[config.write],
        )
        reply = Reply(price, etag=version)
    publish(services, config)
    return reply


@operation("deletePriceOverride")
def delete_price_override(ctx: RequestContext, params: DeletePriceOverrideParameters) -> Reply:
    services = ctx.services
    key = PriceKey(params.provider, params.model)
    current = services.price_overrides.get(key.sort_key)
    if current is None:
        raise NotFound(detail=f"no price override for {key.provider} model {key.model}")
    config = check_change(services, ConfigChange(prices={key: None}))
    delete_versioned(
        ctx,
        services.price_overrides,
        key.sort_key,
        current,
        action="deletePriceOverride",
        also=[config.write],
    )
    publish(services, config)
    return Reply(status=204)


@lambda_entry
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return handle_event(event, context)
