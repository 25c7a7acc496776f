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
