"""Rows of the permission matrix, one module per area (core, tasks, records, conversations, ...).

Each module may define:
- ``WEB``: {(url name, "GET" | "POST"): "nine statuses"} for every page URL of the area;
- ``API``: {(operation id, method): "nine statuses"} for every API operation of the area;
- ``API_BODIES``: {operation id: JSON body, or a callable taking the World and returning one};
- ``prepare(world) -> dict``: create the objects the area's rows need (a task, a record entry,
  a message ...) and return the URL keyword arguments naming them (``{"task_id": 7}``);
- ``url(world, name) -> str | None``: the URL for a row whose arguments aren't in the kwargs.

tests/test_permission_matrix.py gathers every module here; a URL or operation without a row fails.
"""
