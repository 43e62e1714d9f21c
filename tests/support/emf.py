"""CloudWatch's embedded metric format, to check documents against: the structure as a JSON
Schema and the references in `check_emf`, from the specification ("Specification: Embedded metric
format", CloudWatch User Guide)."""

from __future__ import annotations

from typing import Any

import jsonschema

EMF_MAX_METRICS = 100
EMF_UNITS = [
    "Seconds",
    "Microseconds",
    "Milliseconds",
    "Bytes",
    "Kilobytes",
    "Megabytes",
    "Gigabytes",
    "Terabytes",
    "Bits",
    "Kilobits",
    "Megabits",
    "Gigabits",
    "Terabits",
    "Percent",
    "Count",
    "Bytes/Second",
    "Kilobytes/Second",
    "Megabytes/Second",
    "Gigabytes/Second",
    "Terabytes/Second",
    "Bits/Second",
    "Kilobits/Second",
    "Megabits/Second",
    "Gigabits/Second",
    "Terabits/Second",
    "Count/Second",
    "None",
]
EMF_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["_aws"],
    "properties": {
        "_aws": {
            "type": "object",
            "required": ["Timestamp", "CloudWatchMetrics"],
            "additionalProperties": False,
            "properties": {
                "Timestamp": {"type": "integer", "minimum": 0},
                "LogGroupName": {"type": "string"},
                "CloudWatchMetrics": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["Namespace", "Dimensions", "Metrics"],
                        "additionalProperties": False,
                        "properties": {
                            "Namespace": {"type": "string", "minLength": 1, "maxLength": 1024},
                            "Dimensions": {
                                "type": "array",
                                "items": {
                                    "type": "array",
                                    "maxItems": 30,
                                    "items": {"type": "string", "minLength": 1},
                                },
                            },
                            "Metrics": {
                                "type": "array",
                                "maxItems": 100,
                                "items": {
                                    "type": "object",
                                    "required": ["Name"],
                                    "additionalProperties": False,
                                    "properties": {
                                        "Name": {
                                            "type": "string",
                                            "minLength": 1,
                                            "maxLength": 1024,
                                        },
                                        "Unit": {"enum": EMF_UNITS},
                                        "StorageResolution": {"enum": [1, 60]},
                                    },
                                },
                            },
                        },
                    },
                },
            },
        }
    },
}


def check_emf(document: dict[str, Any]) -> None:
    """Fail unless `document` is a valid EMF document: its structure, and each reference (a
    dimension names a string member of the root, a metric a number or an array of at most 100)."""
    jsonschema.validate(document, EMF_SCHEMA)
    directives = document["_aws"]["CloudWatchMetrics"]
    definitions = [m for d in directives for m in d["Metrics"]]
    assert len(definitions) <= EMF_MAX_METRICS
    names = [m["Name"] for m in definitions]
    assert len(names) == len(set(names)), "a metric is defined twice"
    for directive in directives:
        for dimension_set in directive["Dimensions"]:
            for key in dimension_set:
                value = document.get(key)
                assert isinstance(value, str), f"dimension {key} is not a string member"
                assert 1 <= len(value) <= 1024
    for name in names:
        value = document.get(name)
        if isinstance(value, list):
            assert 1 <= len(value) <= 100, f"{name} has {len(value)} values"
            assert all(isinstance(v, int | float) for v in value)
        else:
            assert isinstance(value, int | float), name
            assert not isinstance(value, bool), name
