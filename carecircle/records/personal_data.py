"""The shared record's entries in the personal-data register: health and care data (UK GDPR art. 9)."""

from carecircle.lib.personal_data import personal_data_declare

CIRCLE = "while the circle exists; deleted entries are purged with the circle"
personal_data_declare(
    "records.RecordEntry",
    whose="the person being helped (special category: health)",
    why="the shared care record the circle and professionals read",
    retention=CIRCLE,
    fields={
        "data": (
            "the entry: About me with who the person is (full and preferred name, date of birth, NHS"
            " number, GP practice, address), conditions, medicines, contacts, notes…"
        ),
        "created_by": "who wrote it",
        "updated_by": "who changed it",
        "updated_by_name": "their name then",
    },
)
personal_data_declare(
    "records.RecordVersion",
    whose="the person being helped (special category: health)",
    why="edits keep history",
    retention=CIRCLE,
    fields={"data": "the entry as it was", "author": "who wrote this version", "author_name": "their name then"},
)
personal_data_declare(
    "records.RecordDocument",
    whose="the person being helped (special category: health)",
    why="letters, care plans and other documents",
    retention=CIRCLE,
    fields={"file": "the document", "filename": "its name"},
)
personal_data_declare(
    "records.ShareLink",
    whose="the recipient professional, and the member who shared",
    why="time-limited read-only links for professionals",
    retention=CIRCLE,
    fields={
        "recipient": "who it is for",
        "code_to": "where the code went",
        "created_by": "who shared",
        "created_by_name": "their name then",
        "sections": "what was shared",
    },
    not_personal={"token_hash": "a SHA-256", "code_hash": "a salted hash"},
)
personal_data_declare(
    "records.RecordView",
    whose="the viewer (a professional, a share link, organisation staff)",
    why="the person and family see exactly who looked and when (access log)",
    retention="RETENTION_ACCESS_LOG_DAYS",
    fields={"viewer": "who looked", "viewer_name": "their name then", "what": "what they looked at"},
)
personal_data_declare(
    "records.PdfJob",
    whose="the person being helped (special category: health)",
    why="the one-page summary PDF, drawn by the worker and served for a day",
    retention="RETENTION_RECORD_PDF_DAYS",
    fields={"pdf": "the summary as drawn for one reader position"},
    not_personal={
        "key": "a SHA-256",
        "capabilities": "what the reader may see",
        "audiences": "which audiences the reader is in",
        "language": "the reader's language",
        "time_zone": "the reader's time zone",
    },
)
