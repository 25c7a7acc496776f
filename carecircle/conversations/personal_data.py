"""Conversations' entries in the personal-data register."""

from carecircle.lib.personal_data import personal_data_declare

CIRCLE = "while the circle exists"
personal_data_declare(
    "conversations.Conversation",
    whose="its members",
    why="circle chat, direct messages and threads",
    retention=CIRCLE,
    fields={"first_user": "one person in a direct conversation", "second_user": "the other"},
)
personal_data_declare(
    "conversations.Message",
    whose="the author, and anyone it mentions",
    why="what people write to each other",
    retention=CIRCLE + "; on erasure of the author, kept de-identified for the others in the conversation",
    fields={
        "author": "who wrote it",
        "title": "title",
        "body": "the message",
        "body_html": "the message as HTML",
        "mentions": "who it mentions",
        "deleted_by": "who deleted it",
    },
    not_personal={"reply_to": "a link to another message"},
)
personal_data_declare(
    "conversations.MessageRevision",
    whose="the author",
    why="edits keep history",
    retention=CIRCLE,
    fields={"title": "title then", "body": "the message then"},
)
personal_data_declare(
    "conversations.MessagePhoto",
    whose="the author and the people in the photo",
    why="photos shared in the circle",
    retention=CIRCLE,
    fields={"image": "the photo", "thumbnail": "a small copy", "description": "its description"},
)
personal_data_declare(
    "conversations.Reaction",
    whose="the member",
    why="reactions to messages",
    retention=CIRCLE,
    fields={"user": "who reacted"},
)
personal_data_declare(
    "conversations.ReadMarker",
    whose="the member",
    why="what they have read",
    retention=CIRCLE,
    fields={"user": "whose"},
)
personal_data_declare(
    "conversations.CheckIn",
    whose="the author (how they feel: may be health data)",
    why="check-ins: how I'm doing",
    retention=CIRCLE,
    fields={"author": "who", "feeling": "how they feel", "note": "a note"},
)
personal_data_declare(
    "conversations.VisitorsStatus",
    whose="the person being helped",
    why="whether visitors are welcome",
    retention=CIRCLE,
    fields={"note": "a note", "set_by": "who set it"},
)
personal_data_declare(
    "conversations.ThankYou",
    whose="the sender and the recipient",
    why="thanks",
    retention=CIRCLE,
    fields={"sender": "who thanked", "recipient": "who was thanked", "note": "the note", "subject_label": "what for"},
)
