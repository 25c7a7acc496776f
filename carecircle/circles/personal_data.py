"""Circles' entries in the personal-data register (carecircle/lib/personal_data.py)."""

from carecircle.lib.personal_data import personal_data_declare

CIRCLE = "while the circle exists; erased CIRCLE_ERASE_AFTER_DAYS after it is closed"
personal_data_declare(
    "circles.Circle",
    whose="the person being helped",
    why="to say who the circle is about",
    retention=CIRCLE,
    fields={
        "person_name": "the person's name",
        "person_date_of_birth": "their date of birth",
        "person_district": "the first part of their postcode, to suggest support near them",
        "person_photo": "their photo",
        "consent": "their choices of who sees what",
        "created_by": "who made the circle",
        "closed_by": "who closed it",
        "close_reason": "why it ended (may say the person died)",
        "close_message": "the closing message to members",
    },
)
personal_data_declare(
    "circles.Membership",
    whose="the member",
    why="membership decides what each person can see and do",
    retention="until the member leaves or is removed, or the circle is erased",
    fields={"user": "who", "role": "their role", "relationship": "how they know the person", "joined_at": "when"},
)
personal_data_declare(
    "circles.Invitation",
    whose="the person invited, and the inviter",
    why="to invite someone and know who accepted",
    retention="while the circle exists",
    fields={
        "name": "the invitee's name",
        "relationship": "how they know the person",
        "email": "the invitee's email",
        "phone": "the invitee's number",
        "note": "a note to the invitee",
        "invited_by": "who invited",
        "accepted_by": "who accepted",
    },
    not_personal={"token_hash": "a SHA-256 of a random secret"},
)
