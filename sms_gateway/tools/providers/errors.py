# Copyright 2026 sms_gateway authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Errors raised by the provider adapters.

A ``ProviderError`` means the whole call (or the account) failed: there are no
per-message results for the messages it concerns. Each error tells:

- ``temporary``: may a later retry of the same call succeed (timeouts, HTTP
  5xx, rate limits, connection failures) or not (credentials, credit,
  configuration);
- ``code``: a short machine string ("auth", "credit", "rate_limit",
  "unavailable", "timeout", "bad_answer", "config", "sender", ...);
- ``partial_results``: the results of the messages that were already
  processed in this call before it failed (an adapter may need several HTTP
  requests for one ``send``). They are final and must be recorded by the
  caller; the messages not listed in them were not processed;
- ``in_flight``: uids whose request was on the wire when the failure happened
  (read timeout, connection dropped after sending, HTTP 504, unreadable 2xx
  answer): the provider may or may not have taken them. Re-sending them is
  safe with providers that support idempotency (SMSAPI idx/check_idx,
  sandbox) and may send a duplicate with the others (Twilio, Quriiri);
- ``retry_after``: seconds the provider asked to wait (HTTP Retry-After), or
  None.

Messages never contain a secret: adapters redact credentials from any text
they put in an error.
"""


class ProviderError(Exception):
    """The call or the account failed; see the module docstring."""

    default_code = "provider"
    default_temporary = False

    def __init__(
        self,
        message,
        *,
        temporary=None,
        code=None,
        partial_results=None,
        in_flight=None,
        retry_after=None,
        http_status=None,
    ):
        super().__init__(message)
        self.message = message
        self.temporary = self.default_temporary if temporary is None else temporary
        self.code = code or self.default_code
        self.partial_results = list(partial_results or [])
        self.in_flight = list(in_flight or [])
        self.retry_after = retry_after
        self.http_status = http_status

    def __str__(self):
        return self.message

    def __repr__(self):
        return (
            f"{type(self).__name__}({self.message!r}, code={self.code!r}, "
            f"temporary={self.temporary!r})"
        )


class AuthenticationError(ProviderError):
    """Credentials refused (or the token is not allowed from this address)."""

    default_code = "auth"
    default_temporary = False


class NoCreditError(ProviderError):
    """The account has no credit left (or is suspended for lack of funds)."""

    default_code = "credit"
    default_temporary = False


class RateLimitError(ProviderError):
    """The provider asked us to slow down (HTTP 429 or equivalent)."""

    default_code = "rate_limit"
    default_temporary = True


class ProviderUnavailableError(ProviderError):
    """Provider down, timeout, connection failure, HTTP 5xx."""

    default_code = "unavailable"
    default_temporary = True
