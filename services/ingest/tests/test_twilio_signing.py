"""Our check of X-Twilio-Signature agrees with the `twilio` package's own signing code."""

import pytest
from twilio.request_validator import RequestValidator

from switchboard.common.errors import Forbidden
from switchboard.ingest.twilio_signing import public_url, sign_twilio, verify_twilio

TOKEN = "12345678901234567890123456789012"
URL = "https://sb.example.com/v1/webhooks/sms/twilio/ch-1?x=1"
PARAMS = {
    "From": "+14155550100",
    "To": "+14155550199",
    "Body": "Hello 你好 & more",
    "MessageSid": "SM0123456789abcdef0123456789abcdef",
    "NumMedia": "0",
}


def test_a_request_signed_by_twilios_validator_is_accepted() -> None:
    signature = RequestValidator(TOKEN).compute_signature(URL, PARAMS)
    verify_twilio(TOKEN, URL, PARAMS.items(), signature)


def test_our_signature_equals_twilios_for_the_same_request() -> None:
    assert sign_twilio(TOKEN, URL, PARAMS.items()) == RequestValidator(TOKEN).compute_signature(
        URL, PARAMS
    )


@pytest.mark.parametrize(
    "change",
    [
        lambda p, u: ({**p, "Body": "tampered"}, u),
        lambda p, u: (p, u.replace("ch-1", "ch-2")),
        lambda p, u: ({**p, "Extra": "1"}, u),
    ],
)
def test_a_changed_body_or_url_is_refused(change) -> None:
    signature = RequestValidator(TOKEN).compute_signature(URL, PARAMS)
    params, url = change(PARAMS, URL)
    with pytest.raises(Forbidden):
        verify_twilio(TOKEN, url, params.items(), signature)


def test_a_missing_signature_or_wrong_token_is_refused() -> None:
    with pytest.raises(Forbidden):
        verify_twilio(TOKEN, URL, PARAMS.items(), None)
    signature = RequestValidator("another-token").compute_signature(URL, PARAMS)
    with pytest.raises(Forbidden):
        verify_twilio(TOKEN, URL, PARAMS.items(), signature)


def test_behind_a_proxy_the_public_base_url_replaces_scheme_and_host() -> None:
    seen = "http://10.0.0.5:8101/v1/webhooks/sms/twilio/ch-1?x=1"
    assert public_url(seen, "https://sb.example.com/") == URL
    assert public_url(seen, None) == seen
