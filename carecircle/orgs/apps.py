from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "carecircle.orgs"
    label = "orgs"

    def ready(self) -> None:
        from carecircle.accounts.confirmations import email_confirmed_listener_register
        from carecircle.accounts.mfa import mfa_requirement_register
        from carecircle.audit.display import register_sentences
        from carecircle.circles.conditional import register_viewer_part
        from carecircle.circles.registries import register_landing, register_staff_check, register_waiting_requests
        from carecircle.orgs import files, live
        from carecircle.orgs.circle_links import circle_link_requests_tell_confirmed, waiting_for_family
        from carecircle.orgs.policies import organisation_staff_must_use_mfa
        from carecircle.orgs.selectors import landing_for, staff_places_of
        from carecircle.orgs.sentences import SENTENCES
        from carecircle.orgs.support_offers import offer_shown_part

        mfa_requirement_register(organisation_staff_must_use_mfa)
        register_landing(landing_for)
        register_waiting_requests(waiting_for_family)
        register_staff_check(staff_places_of)
        email_confirmed_listener_register(circle_link_requests_tell_confirmed)
        files.connect()
        register_sentences(SENTENCES)
        live.register()
        # The private offer of support on a circle's home, read with the page's other per-viewer state.
        register_viewer_part("support offer", offer_shown_part)
