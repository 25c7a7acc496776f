"""Rows of the permission matrix, one module per area (core, tasks, records, conversations, ...).

Each module may define:
- ``WEB``: {(url name, "GET" | "POST"): "nine statuses"} for every page URL of the area;
- ``API``: {(operation id, method): "nine statuses"} for every API operation of the area;
- ``API_BODIES``: {operation id: JSON body, or a callable taking the World and returning one};
- ``API_PATHS``: {operation id: callable taking the World, returning path arguments that replace
  the shared ones} for an operation that needs its own object (marking today's task done);
- ``prepare(world) -> dict``: create the objects the area's rows need (a task, a record entry,
  a message ...) and return the URL keyword arguments naming them (``{"task_id": 7}``);
- ``url(world, name) -> str | None``: the URL for a row whose arguments aren't in the kwargs;
- ``WRITES``: {url name: Write(form, changes)} for every page whose POST someone may use: a valid
  form, and what it changes, so an allowed POST is seen to write and a refused one not to;
- ``NO_WRITE``: {url name: reason} for a POST row that takes no form worth checking here (say,
  signing out), with the reason.

tests/test_permission_matrix.py gathers every module here; a URL route, an operation or a WebSocket
route without a row fails, and so does a POST someone may use without a WRITES or NO_WRITE entry.
"""
