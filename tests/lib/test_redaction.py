"""Invitation tokens never reach the access log."""

import logging
import logging.config

from carecircle.lib.redaction import RedactInvitationTokens, redact_secrets
from carecircle.web.management.commands.serve import log_config


def test_a_token_in_an_access_log_line_is_replaced():
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/join/s3cr3t-T0ken_x/?next=1", "1.1", 200),
        None,
    )
    assert RedactInvitationTokens().filter(record)
    assert record.getMessage() == '127.0.0.1:5000 - "GET /join/…/?next=1 HTTP/1.1" 200'


def test_a_calendar_address_and_a_share_link_lose_their_tokens_too():
    line = "GET /calendar/Abc-123_x.ics HTTP/1.1; GET /shared/Zz9-k/summary/ HTTP/1.1"
    assert redact_secrets(line) == "GET /calendar/… HTTP/1.1; GET /shared/…/summary/ HTTP/1.1"


def test_other_paths_are_left_alone():
    assert redact_secrets("GET /circles/12/people/ HTTP/1.1") == "GET /circles/12/people/ HTTP/1.1"


def test_the_server_uses_the_filter_on_its_access_log(caplog):
    logging.config.dictConfig(log_config())
    logger = logging.getLogger("uvicorn.access")
    handler = logging.getHandlerByName("access")
    assert handler is not None
    assert any(isinstance(f, RedactInvitationTokens) for f in handler.filters)
    assert logger.handlers
