"""Live events' entry in the personal-data register."""

from carecircle.lib.personal_data import personal_data_declare

personal_data_declare(
    "realtime.CircleEvent",
    whose="members of the circle (ids only)",
    why="so a reconnecting device can catch up on what changed",
    retention="RETENTION_EVENTS_DAYS",
    fields={"data": "ids of what changed (never content)"},
)
