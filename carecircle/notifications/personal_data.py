"""Notifications' entries in the personal-data register."""

from carecircle.lib.personal_data import personal_data_declare

personal_data_declare(
    "notifications.Delivery",
    whose="the recipient (and whoever the message is about)",
    why="every email and text is a row first, so nothing is lost and each outcome is known",
    retention="RETENTION_DELIVERIES_DAYS after it is sent or fails",
    fields={
        "to": "email address or phone number",
        "subject": "subject line",
        "body": "the message",
        "html_body": "the message as HTML",
        "last_error": "the provider's last error",
    },
    not_personal={"idempotency_key": "internal key", "provider_id": "the provider's message id"},
)
personal_data_declare(
    "notifications.OutboxMessage",
    whose="the recipient",
    why="on one computer without email, a developer reads messages here (DEBUG only)",
    retention="RETENTION_DELIVERIES_DAYS",
    fields={"to": "address or number", "subject": "subject", "body": "the message"},
)
