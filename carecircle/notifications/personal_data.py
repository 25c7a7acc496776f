"""Notifications' entries in the personal-data register."""

from carecircle.lib.personal_data import no_personal_data, personal_data_declare

personal_data_declare(
    "notifications.Delivery",
    whose="the recipient (and whoever the message is about)",
    why="every email and text is a row first, so nothing is lost and each outcome is known",
    retention="RETENTION_DELIVERIES_DAYS after it is sent or fails",
    fields={
        "to": "email address or phone number",
        "recipient": "the member it was for",
        "subject": "subject line",
        "body": "the message",
        "html_body": "the message as HTML",
        "batch_lines": "the chat messages that joined a batched email while it waited",
        "headers": "unsubscribe and reply addresses for the recipient",
        "last_error": "the provider's last error",
    },
    not_personal={
        "idempotency_key": "internal key",
        "provider_id": "the provider's message id",
        "category": "what kind of news it carried",
        "lease_until": "when a worker's claim on it runs out",
        "not_before": "when it may be sent",
        "instead_channel": "the channel urgent news went by instead of this one",
    },
)
personal_data_declare(
    "notifications.OutboxMessage",
    whose="the recipient",
    why="on one computer without email, a developer reads messages here (DEBUG only)",
    retention="RETENTION_DELIVERIES_DAYS",
    fields={"to": "address or number", "subject": "subject", "body": "the message"},
)
personal_data_declare(
    "notifications.Notification",
    whose="the recipient (and whoever the news is about)",
    why="members are told in the app what happened in their circles",
    retention="RETENTION_DELIVERIES_DAYS; erased with the account",
    fields={"recipient": "the member told", "title": "what happened", "body": "a short excerpt", "url": "where"},
    not_personal={
        "category": "kind of news",
        "group": "what it is about",
        "key": "internal key",
        "capability": "what it needed to be seen",
        "held_for_digest": "waiting for the digest email",
        "in_app": "shown in the app, or kept only for the digest",
    },
)
personal_data_declare(
    "notifications.FanOut",
    whose="the member who did what the circle is told (and whoever the news is about)",
    why="in a big circle the worker tells each member after the change commits",
    retention="until the worker has told everyone, seconds after the change; erased with the account that did it",
    fields={
        "actor": "the member who did it",
        "titles": "what happened, in each language",
        "bodies": "a short excerpt, in each language",
        "url": "where",
        "user_ids": "the members to tell",
    },
    not_personal={
        "key": "internal key",
        "category": "kind of news",
        "capability": "what it needs to be seen",
        "reply_target": "where a reply by email goes",
        "position": "how many members were told",
        "attempts": "how many chunks a worker started",
        "claimed_at": "when a worker last took it",
        "conversation_id": "the conversation it is about",
    },
)
personal_data_declare(
    "notifications.NotificationSettings",
    whose="the member",
    why="to tell members only when and how they asked",
    retention="as long as the account",
    fields={
        "user": "the member",
        "quiet_from": "start of quiet hours",
        "quiet_until": "end of quiet hours",
        "failing_reason": "why their address or number stopped working",
    },
    not_personal={
        "digest": "digest choice",
        "digest_weekday": "day of the weekly digest",
        "digest_sent_until": "end of the last digest period",
        "email_failing_since": "date",
        "sms_failing_since": "date",
    },
)
personal_data_declare(
    "notifications.NotificationPreference",
    whose="the member",
    why="to tell members only what they asked to hear",
    retention="as long as the account",
    fields={"user": "the member"},
    not_personal={"category": "kind of news", "channel": "email, text, push or app", "enabled": "yes or no"},
)
personal_data_declare(
    "notifications.ConversationMute",
    whose="the member",
    why="a muted conversation sends them nothing",
    retention="as long as the account",
    fields={"user": "the member"},
    not_personal={"conversation_id": "which conversation"},
)
personal_data_declare(
    "notifications.TextsSent",
    whose="the member",
    why="at most SMS_DAILY_CAP texts a member a day, however many workers send at once",
    retention="RETENTION_DELIVERIES_DAYS; erased with the account",
    fields={"user": "the member"},
    not_personal={"day": "the day (UTC)", "count": "how many texts"},
)
personal_data_declare(
    "notifications.TextOptOut",
    whose="whoever has the number",
    why="a number that replied STOP is never texted again until it replies START",
    retention="until the number replies START",
    fields={"number": "phone number"},
)
personal_data_declare(
    "notifications.InboundText",
    whose="the sender (and whoever the text is about)",
    why="each text is acted on once, and what became of it is known",
    retention="RETENTION_DELIVERIES_DAYS; erased with the account",
    fields={"sender": "phone number", "body": "the text", "user": "the member it came from"},
    not_personal={"provider": "which provider", "provider_id": "the provider's id", "outcome": "what became of it"},
)
personal_data_declare(
    "notifications.InboundEmail",
    whose="the sender",
    why="each reply by email is acted on once, and what became of it is known",
    retention="RETENTION_DELIVERIES_DAYS; erased with the account",
    fields={
        "sender": "email address",
        "recipient": "the member's reply address",
        "user": "the member it came from",
        "message_id": "the mail's Message-ID, which may name the sender's computer",
    },
    not_personal={
        "message_key": "a hash of the Message-ID",
        "source": "how it arrived",
        "size": "its size",
        "outcome": "what became of it",
        "conversation_id": "where it was posted",
    },
)
personal_data_declare(
    "notifications.MailEvent",
    whose="the member whose address it was",
    why="a bounced or refused address stops being used, once per provider event",
    retention="RETENTION_DELIVERIES_DAYS; erased with the account",
    fields={"recipient": "email address", "user": "the member it was for"},
    not_personal={
        "provider": "which mail provider",
        "event_id": "the provider's id",
        "event_type": "bounce, complaint or refusal",
        "acted": "whether it stopped emails",
        "received_at": "when",
    },
)
personal_data_declare(
    "notifications.PushSubscription",
    whose="the member",
    why="push notifications reach only the browsers a member turned them on for",
    retention="until the member turns it off, the push service says the browser is gone, or the account is erased",
    fields={
        "user": "the member",
        "endpoint": "the push service's address for their browser",
        "p256dh": "their browser's public key",
        "auth": "their browser's auth secret",
        "label": "which browser and system, like Firefox on Android",
    },
    not_personal={
        "last_success_at": "when a push last reached it",
        "failing_since": "when the push service refused it",
        "last_error": "the push service's answer",
    },
)
no_personal_data("notifications.PushKey", reason="the server's own VAPID key pair, about nobody")
no_personal_data(
    "notifications.BusyService",
    reason="which delivery service (a push service, the text provider, email) is busy and until when",
)
