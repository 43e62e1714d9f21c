from typing import Literal

RoutingStrategy = Literal["failover", "weighted"]

ROUTING_STRATEGY_VALUES: set[RoutingStrategy] = {
    "failover",
    "weighted",
}


def check_routing_strategy(value: str) -> RoutingStrategy:
    if value in ROUTING_STRATEGY_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {ROUTING_STRATEGY_VALUES!r}")
