from __future__ import annotations

from django.urls import path

from carecircle.lib.converters import ensure_id_converter
from carecircle.records import export_views, share_views, views

ensure_id_converter()
app_name = "records"

RECORD = "circles/<id:circle_id>/record/"
ENTRY = RECORD + "<str:section>/<id:entry_id>/"
SHARED = "shared/<str:share_token>/"

urlpatterns = [
    path(RECORD, views.record_index, name="index"),
    path(RECORD + "summary/", export_views.essentials, name="essentials"),
    path(RECORD + "summary.pdf", export_views.essentials_pdf, name="essentials_pdf"),
    path(RECORD + "fhir.json", export_views.fhir, name="fhir"),
    path(RECORD + "export/", export_views.export_page, name="export"),
    path(RECORD + "export.zip", export_views.export_download, name="export_download"),
    path(RECORD + "sharing/", share_views.share_links, name="share_links"),
    path(RECORD + "sharing/<id:share_id>/revoke/", share_views.share_link_revoke, name="share_link_revoke"),
    path(RECORD + "who-looked/", share_views.access_log, name="access_log"),
    path(RECORD + "documents/<id:document_id>/file/", views.document_download, name="document"),
    path(RECORD + "<str:section>/", views.section_page, name="section"),
    path(RECORD + "<str:section>/fragment/", views.section_fragment, name="section_fragment"),
    path(RECORD + "<str:section>/add/", views.entry_add, name="entry_add"),
    path(ENTRY + "edit/", views.entry_edit, name="entry_edit"),
    path(ENTRY + "history/", views.entry_history, name="entry_history"),
    path(ENTRY + "delete/", views.entry_delete, name="entry_delete"),
    path(ENTRY + "restore/", views.entry_restore, name="entry_restore"),
    path(SHARED, share_views.shared, name="shared"),
    path(SHARED + "summary/", share_views.shared_essentials, name="shared_essentials"),
    path(SHARED + "summary.pdf", share_views.shared_pdf, name="shared_pdf"),
    path(SHARED + "fhir.json", share_views.shared_fhir, name="shared_fhir"),
    path(SHARED + "documents/<id:document_id>/file/", share_views.shared_document, name="shared_document"),
]
