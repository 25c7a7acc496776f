"""The shared record's API operations, as tests/api/test_openapi.py expects them listed."""

from __future__ import annotations

RECORD = "/api/v1/circles/{circle_id}/record"

RECORD_OPERATIONS = {
    ("GET", RECORD, "record_sections"),
    ("GET", RECORD + "/fhir", "record_fhir"),
    ("GET", RECORD + "/export", "record_export"),
    ("GET", RECORD + "/summary.pdf", "record_summary_pdf"),
    ("GET", RECORD + "/share-links", "record_share_list"),
    ("POST", RECORD + "/share-links", "record_share_create"),
    ("POST", RECORD + "/share-links/{share_id}/revoke", "record_share_revoke"),
    ("GET", RECORD + "/views", "record_view_list"),
    ("POST", RECORD + "/documents/upload", "record_document_upload"),
    ("GET", RECORD + "/documents/{document_id}/file", "record_document_download"),
    ("GET", RECORD + "/{section}", "record_entry_list"),
    ("POST", RECORD + "/{section}", "record_entry_create"),
    ("GET", RECORD + "/{section}/{entry_id}", "record_entry_get"),
    ("PATCH", RECORD + "/{section}/{entry_id}", "record_entry_update"),
    ("DELETE", RECORD + "/{section}/{entry_id}", "record_entry_delete"),
    ("POST", RECORD + "/{section}/{entry_id}/restore", "record_entry_restore"),
    ("GET", RECORD + "/{section}/{entry_id}/versions", "record_entry_versions"),
}
