from typing import Literal

GetRoutingConfigFormat = Literal["json", "yaml"]

GET_ROUTING_CONFIG_FORMAT_VALUES: set[GetRoutingConfigFormat] = {
    "json",
    "yaml",
}


def check_get_routing_config_format(value: str) -> GetRoutingConfigFormat:
    if value in GET_ROUTING_CONFIG_FORMAT_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {GET_ROUTING_CONFIG_FORMAT_VALUES!r}"
    )
