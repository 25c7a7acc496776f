"""Every operation of the JSON API, for tests that walk them all (such as the permission matrix)."""

from __future__ import annotations

import re

from carecircle.api.api import api

HTTP_METHODS = frozenset({"get", "post", "put", "patch", "delete"})


def api_operations() -> list[tuple[str, str, str]]:
    """(METHOD, path template, operation_id) of every operation, sorted by path.

    Like ("GET", "/api/v1/circles/{circle_id}", "circle_get"): the full URL path with {name}
    placeholders for the path parameters (fill them with fill_path).
    """
    schema = api.get_openapi_schema()
    operations = [
        (method.upper(), path, operation["operationId"])
        for path, path_item in schema["paths"].items()
        for method, operation in path_item.items()
        if method in HTTP_METHODS
    ]
    return sorted(operations, key=lambda operation: (operation[1], operation[0]))


def fill_path(template: str, **values: int | str) -> str:
    """The template with its {name} placeholders replaced; names not given become 1."""
    return re.sub(r"\{(\w+)\}", lambda match: str(values.get(match.group(1), 1)), template)
