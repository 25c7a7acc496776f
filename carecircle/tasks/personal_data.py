"""Tasks' entries in the personal-data register."""

from carecircle.lib.personal_data import no_personal_data, personal_data_declare

CIRCLE = "while the circle exists"
personal_data_declare(
    "tasks.Task",
    whose="the person being helped (what help they need, where)",
    why="to organise help",
    retention=CIRCLE,
    fields={
        "title": "what's needed",
        "notes": "details",
        "details": "structured details",
        "address": "where",
        "created_by": "who added it",
    },
)
personal_data_declare(
    "tasks.OccurrenceChange",
    whose="the person being helped, and who did it",
    why="changes to one day's help, and how it went",
    retention=CIRCLE,
    fields={"cancel_reason": "why it was cancelled", "done_by": "who did it", "how_it_went": "how it went"},
)
personal_data_declare(
    "tasks.Assignment",
    whose="the helper",
    why="who is going",
    retention=CIRCLE,
    fields={"user": "who", "assigned_by": "who put them down", "withdraw_reason": "why they withdrew"},
)
personal_data_declare(
    "tasks.CalendarFeed",
    whose="the account holder",
    why="a private calendar address",
    retention="until reset, or the account is erased",
    fields={"user": "whose feed"},
    not_personal={"token": "a random secret"},
)
personal_data_declare(
    "tasks.ReminderSetting",
    whose="the account holder",
    why="when they want reminders",
    retention="while the account exists",
    fields={"user": "whose"},
)
no_personal_data("tasks.ReminderSent", reason="a key of ids, so a reminder is sent once")
no_personal_data("tasks.ReminderClock", reason="the time reminders next run")
personal_data_declare(
    "tasks.VisitLog",
    whose="the person being helped, and the carer",
    why="the record of paid-care visits the family can see",
    retention=CIRCLE,
    fields={
        "author": "the carer",
        "arrived_at": "arrival",
        "left_at": "departure",
        "notes": "visit notes",
        "outcome": "how it went",
    },
)
personal_data_declare(
    "tasks.StandIn",
    whose="the member",
    why="who to ask when the main helper can't cover",
    retention=CIRCLE,
    fields={"user": "who"},
)
personal_data_declare(
    "tasks.Unavailability",
    whose="the member",
    why="when they can't help",
    retention=CIRCLE,
    fields={"user": "who", "note": "why (optional)", "starts_at": "from", "ends_at": "until"},
)
personal_data_declare(
    "tasks.StandingOffer",
    whose="the member",
    why="when they usually can help",
    retention=CIRCLE,
    fields={"user": "who"},
)
personal_data_declare(
    "tasks.Decline",
    whose="the helper",
    why="who said they can't help with one day, so they aren't asked again",
    retention=CIRCLE,
    fields={"user": "who"},
)
personal_data_declare(
    "tasks.StandInAsk",
    whose="the member asked, and the member who couldn't cover",
    why="who has been asked to cover one day, so each person is asked once (stand-ins in turn)",
    retention=CIRCLE + "; the stand-in's rows are erased with their account",
    fields={"user": "who was asked", "asker": "who couldn't cover", "asked_at": "when"},
)
no_personal_data("tasks.NobodyLeft", reason="that the organisers were told nobody more is set to step in for one day")
no_personal_data("tasks.ActionLinkUse", reason="a random value, so a link from an email works once")
