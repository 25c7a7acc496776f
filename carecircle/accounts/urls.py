from __future__ import annotations

from django.urls import path

from carecircle.accounts import data_rights_views, email_change_views, mfa_views, text_views, time_zone_views, views
from carecircle.lib.converters import ensure_id_converter

ensure_id_converter()
app_name = "accounts"
urlpatterns = [
    path("create/", views.signup, name="signup"),
    path("sign-in/", views.login_view, name="login"),
    path("sign-in/second-step/", mfa_views.sign_in_verify, name="sign_in_verify"),
    path("sign-in/text/", text_views.sign_in_text, name="sign_in_text"),
    path("sign-in/text/code/", text_views.sign_in_text_code, name="sign_in_text_code"),
    path("sign-out/", views.logout_view, name="logout"),
    path("confirm-its-you/", mfa_views.step_up, name="step_up"),
    path("security/", mfa_views.security, name="security"),
    path("security/app/", mfa_views.totp_setup, name="totp_setup"),
    path("security/app/remove/", mfa_views.totp_remove, name="totp_remove"),
    path("security/passkeys/add/", mfa_views.passkey_add, name="passkey_add"),
    path("security/passkeys/<id:pk>/remove/", mfa_views.passkey_delete, name="passkey_remove"),
    path("security/recovery-codes/", mfa_views.recovery_codes, name="recovery_codes"),
    path("your-data/", data_rights_views.your_data, name="your_data"),
    path("your-data/download.zip", data_rights_views.your_data_download, name="your_data_download"),
    path("delete/", data_rights_views.delete_account, name="delete"),
    # The resend address comes first: the token pattern would otherwise match "resend".
    path("confirm-email/resend/", views.verify_email_resend, name="verify_email_resend"),
    path("confirm-email/<str:token>/", views.verify_email, name="verify_email"),
    path("password-reset/", views.PasswordResetRequestView.as_view(), name="password_reset"),
    path("password-reset/sent/", views.password_reset_sent, name="password_reset_sent"),
    path("password-reset/done/", views.password_reset_complete, name="password_reset_complete"),
    path(
        "password-reset/<str:uidb64>/<str:token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("password/", views.password_change, name="password_change"),
    path("email/", email_change_views.email_change, name="email_change"),
    path("email/confirm/<str:token>/", email_change_views.email_change_confirm_view, name="email_change_confirm"),
    path("", views.profile, name="profile"),
    path("time-zone/", time_zone_views.time_zone_regions, name="time_zone_regions"),
    path("time-zone/regions/<slug:region>/", time_zone_views.time_zone_region, name="time_zone_region"),
    path("time-zone/countries/<str:country>/", time_zone_views.time_zone_country, name="time_zone_country"),
    path("sessions/", views.sessions, name="sessions"),
    path("sessions/sign-out-others/", views.sessions_sign_out_others_view, name="sessions_sign_out_others"),
    path("sessions/<id:pk>/sign-out/", views.session_sign_out, name="session_sign_out"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<id:pk>/revoke/", views.token_revoke, name="token_revoke"),
]
