from typing import Literal

Detector = Literal[
    "aws_access_key",
    "aws_secret_key",
    "credit_card",
    "email",
    "iban",
    "ip_address",
    "jwt",
    "phone",
    "private_key",
    "url_credentials",
    "us_ssn",
]

DETECTOR_VALUES: set[Detector] = {
    "aws_access_key",
    "aws_secret_key",
    "credit_card",
    "email",
    "iban",
    "ip_address",
    "jwt",
    "phone",
    "private_key",
    "url_credentials",
    "us_ssn",
}


def check_detector(value: str) -> Detector:
    if value in DETECTOR_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {DETECTOR_VALUES!r}")
