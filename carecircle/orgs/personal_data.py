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
personal_data_declare(
    "orgs.Referral",
    whose="the person referred, and the referrer",
    why="so the organisation can contact the person and help them, and tell the referrer what happened",
    retention="while the organisation keeps its referral records (its own policy); removed with the organisation",
    fields={
        "person_name": "the person's name",
        "person_date_of_birth": "their date of birth",
        "person_address": "their address",
        "person_postcode": "their postcode",
        "person_phone": "their phone number",
        "person_email": "their email address",
        "contact_preference": "how they like to be contacted",
        "referrer_name": "the referrer's name",
        "referrer_organisation": "the referrer's organisation",
        "referrer_email": "the referrer's email address",
        "referrer_phone": "the referrer's phone number",
        "referrer_reference": "the referrer's reference",
        "referrer_language": "the language the referrer wrote in",
        "needs": "what would help (categories)",
        "needs_detail": "what would help, in the referrer's words",
        "consent_given_by": "who agreed to the referral",
        "consent_to": "what they agreed to",
        "consent_given_at": "when they agreed",
        "decline_reason": "why it was declined",
        "assigned_to": "the member of staff working with the person",
        "outcome": "how it ended",
        "outcome_note": "a note about how it ended",
        "duplicate_key": "name, date of birth and postcode, normalised to find duplicates",
        "circle_consent_at": "when the person agreed to a family circle",
    },
    not_personal={"circle_link_ended_at": "when the organisation left the circle"},
)
personal_data_declare(
    "orgs.ReferralEvent",
    whose="the person referred, the member of staff who acted, and the one it was given to",
    why="the referral's history: what was done, when and by whom; volunteer activity in reports",
    retention="as long as its referral",
    fields={"actor": "who acted", "assignee": "who the referral was given to", "text": "notes and reasons"},
    not_personal={"to_status": "a state of the pipeline"},
)
personal_data_declare(
    "orgs.WellbeingMeasure",
    whose="the person referred",
    why="to show whether the help made a difference, to them and (as totals) to commissioners",
    retention="as long as its referral",
    fields={
        "life_satisfaction": "how satisfied with life (0-10)",
        "worthwhile": "how worthwhile life feels (0-10)",
        "happy": "how happy yesterday (0-10)",
        "anxious": "how anxious yesterday (0-10)",
        "recorded_by": "who asked",
    },
)
no_personal_data(
    "orgs.DirectoryService", reason="a public directory's services: their names, addresses and contact details"
)
personal_data_declare(
    "orgs.Signposting",
    whose="the person referred, and the member of staff who recorded it",
    why="to show where the person (or the person who helps them) was sent, and to count it",
    retention="as long as its referral",
    fields={
        "actor": "who recorded it",
        "note": "a note about it",
        "for_carer": "whether it was for their carer",
        "use": "whether they used the service",
        "used_on": "the day it was known whether they used it",
        "use_recorded_by": "who recorded whether they used it",
    },
    not_personal={"service_name": "the service's public name"},
)
personal_data_declare(
    "orgs.FollowUp",
    whose="the person referred, and the staff it is for",
    why="so staff remember to do what they said they would, by when",
    retention="as long as its referral",
    fields={
        "text": "what needs doing",
        "assigned_to": "who it is for",
        "created_by": "who added it",
        "done_by": "who did it",
    },
    not_personal={"client_id": "a random id of the form that added it"},
)
personal_data_declare(
    "orgs.ReferralAttachment",
    whose="the person referred",
    why="letters and forms about the referral, kept with it",
    retention="as long as its referral",
    fields={"file": "the file", "filename": "its name", "uploaded_by": "who attached it"},
    not_personal={"client_id": "a random id of the form that added it"},
)
no_personal_data("orgs.ReferralFigure", reason="monthly totals of referrals by status, source and need")
no_personal_data(
    "orgs.SignpostingFigure",
    reason="monthly totals of people sent to local services, by service, referral state and use",
)
personal_data_declare(
    "orgs.StaffFigure",
    whose="the member of staff",
    why="how many referrals were given to them and follow-ups they did each month, for volunteer activity in reports",
    retention="as long as the referral history it counts; removed with the organisation",
    fields={"user": "who"},
    not_personal={"kind": "what was counted", "count": "how many that month"},
)
no_personal_data("orgs.DirectoryFeedStatus", reason="how the last directory fetch went: its address and error")
personal_data_declare(
    "orgs.InviteCode",
    whose="the member of staff who made or stopped the code",
    why="so an organisation can offer CareCircle to the people it supports, and see who issued each code",
    retention="while the organisation exists; removed with the staff member's account (set to nobody)",
    fields={"created_by": "who made it", "revoked_by": "who stopped it"},
    not_personal={"label": "what staff call the code", "code_hash": "a hash of a random secret"},
)
personal_data_declare(
    "orgs.OrganisationCircle",
    whose="the person the circle is for, and whoever started it",
    why="records the consent to link a circle started with an invite code to the organisation",
    retention="as long as the circle; removed with the circle or the organisation",
    fields={
        "started_by": "who started the circle",
        "consent_given_by": "who agreed to the link",
        "consent_to": "what they agreed to",
        "consent_at": "when they agreed",
    },
)
personal_data_declare(
    "orgs.CircleLinkRequest",
    whose="the circle's organiser who is asked, and the staff who asked and the organiser who answered",
    why="to ask a circle's organiser to link their circle to a referral",
    retention="as long as its referral",
    fields={"email": "the organiser's address", "requested_by": "who asked", "answered_by": "who answered"},
    not_personal={"token_hash": "a hash of a random secret"},
)
personal_data_declare(
    "orgs.SupportOffer",
    whose="the member offered support",
    why="to offer someone who gives a lot of help support for themself, privately, and to keep their answer",
    retention="while they have an account; removed with it (an erased circle is forgotten, the answer kept)",
    fields={
        "user": "who was offered it",
        "circle": "the circle where their help passed the threshold",
        "district": "that circle's postcode district",
        "due": "whether their logged help passes the threshold now",
        "weeks_over": "how many of the last four weeks it did",
        "checked_on": "when that was last checked",
        "created_at": "when it was first offered",
        "later_until": 'hidden until (their "Not now")',
        "dismissed_at": 'when they said "Don\'t show this again"',
    },
)
