"""Bodies of the error answers (core.errors, config/errors.py), named for the OpenAPI document."""

from ninja import Schema


class ErrorOut(Schema):
    detail: str


class ValidationErrorItem(Schema):
    type: str
    loc: list[str | int]
    msg: str


class ValidationErrorOut(Schema):
    detail: list[ValidationErrorItem]
