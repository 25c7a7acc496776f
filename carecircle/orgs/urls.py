from __future__ import annotations

from django.urls import path

from carecircle.orgs import (
    circle_link_views,
    directory_views,
    follow_up_views,
    intake_views,
    reach_views,
    referral_views,
    report_views,
    support_offer_views,
    views,
)

app_name = "orgs"
urlpatterns = [
    path("organisations/", views.organisation_list, name="list"),
    path("organisations/<id:organisation_id>/", views.organisation_home, name="home"),
    path("organisations/<id:organisation_id>/staff/", views.staff, name="staff"),
    path("organisations/<id:organisation_id>/staff/<id:staff_id>/role", views.staff_role, name="staff_role"),
    path("organisations/<id:organisation_id>/staff/<id:staff_id>/remove", views.staff_remove, name="staff_remove"),
    path("organisations/join/<str:token>/", views.staff_join, name="staff_join"),
    path("organisations/<id:organisation_id>/referrals/", referral_views.referral_list, name="referrals"),
    path("organisations/<id:organisation_id>/referrals/board", referral_views.referral_board, name="referral_board"),
    path("organisations/<id:organisation_id>/referrals/new", referral_views.referral_new, name="referral_new"),
    path(
        "organisations/<id:organisation_id>/referrals/<id:referral_id>/",
        referral_views.referral_detail,
        name="referral",
    ),
    path(
        "organisations/<id:organisation_id>/referrals/<id:referral_id>/move",
        referral_views.referral_move,
        name="referral_move",
    ),
    path(
        "organisations/<id:organisation_id>/referrals/<id:referral_id>/assign",
        referral_views.referral_assign,
        name="referral_assign",
    ),
    path(
        "organisations/<id:organisation_id>/referrals/<id:referral_id>/note",
        referral_views.referral_note,
        name="referral_note",
    ),
    path(
        "organisations/<id:organisation_id>/referrals/<id:referral_id>/contact",
        referral_views.referral_contact,
        name="referral_contact",
    ),
    path(
        "organisations/<id:organisation_id>/referrals/<id:referral_id>/merge",
        referral_views.referral_merge,
        name="referral_merge",
    ),
    path(
        "organisations/<id:organisation_id>/referrals/<id:referral_id>/wellbeing",
        referral_views.referral_wellbeing,
        name="referral_wellbeing",
    ),
    path(
        "organisations/<id:organisation_id>/referrals/<id:referral_id>/circle",
        referral_views.referral_circle,
        name="referral_circle",
    ),
    path(
        "organisations/<id:organisation_id>/referrals/<id:referral_id>/circle/end",
        referral_views.referral_circle_end,
        name="referral_circle_end",
    ),
    path(
        "organisations/<id:organisation_id>/referrals/<id:referral_id>/circle/link",
        circle_link_views.referral_circle_link,
        name="referral_circle_link",
    ),
    path("circle-links/<str:token>/", circle_link_views.circle_link_answer, name="circle_link_answer"),
    path("circle-link-requests/<id:link_request_id>/", circle_link_views.circle_link_open, name="circle_link_open"),
    path(
        "organisations/<id:organisation_id>/circle-links/",
        circle_link_views.circle_link_requests,
        name="circle_link_requests",
    ),
    path(
        "organisations/<id:organisation_id>/circle-links/<id:link_request_id>/withdraw",
        circle_link_views.circle_link_withdraw,
        name="circle_link_withdraw",
    ),
    path(
        "organisations/<id:organisation_id>/referrals/<id:referral_id>/signpost",
        directory_views.referral_signpost,
        name="referral_signpost",
    ),
    path(
        "organisations/<id:organisation_id>/referrals/<id:referral_id>/signposted/<id:signposting_id>/use",
        directory_views.signposting_use,
        name="signposting_use",
    ),
    path(
        "organisations/<id:organisation_id>/referrals/<id:referral_id>/follow-ups",
        follow_up_views.referral_follow_up,
        name="referral_follow_up",
    ),
    path(
        "organisations/<id:organisation_id>/referrals/<id:referral_id>/follow-ups/<id:follow_up_id>/done",
        follow_up_views.referral_follow_up_done,
        name="referral_follow_up_done",
    ),
    path(
        "organisations/<id:organisation_id>/referrals/<id:referral_id>/attachments",
        follow_up_views.referral_attach,
        name="referral_attach",
    ),
    path(
        "organisations/<id:organisation_id>/referrals/<id:referral_id>/attachments/<id:attachment_id>",
        follow_up_views.referral_attachment,
        name="referral_attachment",
    ),
    path("organisations/<id:organisation_id>/page", reach_views.organisation_page, name="page"),
    path("organisations/<id:organisation_id>/invite-codes/", reach_views.invite_code_list, name="invite_codes"),
    path(
        "organisations/<id:organisation_id>/invite-codes/<id:code_id>/stop",
        reach_views.invite_code_revoke,
        name="invite_code_revoke",
    ),
    path("with/<slug:organisation_slug>/", reach_views.landing, name="landing"),
    path("with/<slug:organisation_slug>/logo", reach_views.logo, name="logo"),
    path("with/<slug:organisation_slug>/start", reach_views.start_with_code, name="start_with_code"),
    path("local-support/", directory_views.find_support, name="find_support"),
    path("circles/<id:circle_id>/support-for-you", support_offer_views.support_offer_answer, name="support_offer"),
    path(
        "organisations/<id:organisation_id>/referrals/import",
        intake_views.referral_import,
        name="referral_import",
    ),
    path("refer/<slug:organisation_slug>/", intake_views.refer, name="refer"),
    path("refer/<slug:organisation_slug>/sent", intake_views.refer_sent, name="refer_sent"),
    path("organisations/<id:organisation_id>/reports/", report_views.organisation_report, name="reports"),
    path("referral-status/<str:token>/", intake_views.referral_status, name="referral_status"),
    path("commissioning/", report_views.commissioning, name="commissioning"),
]
