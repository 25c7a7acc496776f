"""The audit log's entry in the personal-data register."""

from carecircle.lib.personal_data import personal_data_declare

personal_data_declare(
    "audit.AuditEntry",
    whose="the actor and the subject (members of a circle)",
    why="accountability: who did what, when (a circle's activity log, security investigations)",
    retention="RETENTION_AUDIT_DAYS; names are de-identified when an account is erased; never cascades with a circle",
    fields={
        "actor": "who acted",
        "actor_name": "their name then",
        "subject_user": "who it was about",
        "subject_name": "their name then",
        "data": "details of the change (ids, names of things)",
    },
)
