"""Organisations' entries in the personal-data register."""

from carecircle.lib.personal_data import no_personal_data, personal_data_declare

no_personal_data("orgs.Organisation", reason="an organisation's name and address are not a person's")
personal_data_declare(
    "orgs.OrganisationStaff",
    whose="the member of staff",
    why="staff roles decide what an organisation's people can see",
    retention="while they are staff; removed with their account",
    fields={"user": "who", "job_title": "their job title"},
)
personal_data_declare(
    "orgs.StaffInvitation",
    whose="the person invited to the staff, and who invited them",
    why="to let someone join an organisation's staff",
    retention="while the organisation exists; removed with the inviter's account (set to nobody)",
    fields={"email": "the invited address", "invited_by": "who invited", "accepted_by": "who joined"},
    not_personal={"token_hash": "a hash of a random secret"},
)
personal_data_declare(
    "orgs.Commissioner",
    whose="the commissioner",
    why="decides which areas' totals a commissioner sees",
    retention="while they commission services; removed with their account",
    fields={"user": "who", "body": "the council or NHS body they work for"},
)
