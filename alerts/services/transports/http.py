"""HTTP plumbing shared by the Telegram, WhatsApp and webhook transports (requests)."""

from __future__ import annotations

import requests

from alerts.services.transports import SendResult

USER_AGENT = "ORIN-Notifications/1.0"
ERROR_BODY_CHARS = 300

_session: requests.Session | None = None


def session() -> requests.Session:
    global _session
    if _session is None:
        _session = requests.Session()
        _session.headers["User-Agent"] = USER_AGENT
        # Redirects could carry a signed body or a token to another host: never follow them.
        _session.max_redirects = 0
    return _session


def redact(text: str, secrets: list[str | None]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def retryable_status(code: int) -> bool:
    """Worth another try: rate limited, request timeout, or the provider's own failure."""
    return code in (408, 425, 429) or code >= 500


def post(url: str, timeout: float, secrets: list[str | None], **kwargs) -> SendResult:
    try:
        response = session().post(url, timeout=timeout, allow_redirects=False, **kwargs)
    except requests.Timeout:
        return SendResult(False, error=f"timed out after {timeout:g} s", retryable=True)
    except requests.RequestException as exc:
        return SendResult(False, error=redact(f"{type(exc).__name__}: {exc}", secrets), retryable=True)
    if 200 <= response.status_code < 300:
        return SendResult(True, response.status_code)
    body = redact(response.text[:ERROR_BODY_CHARS], secrets)
    return SendResult(
        False,
        response.status_code,
        error=f"HTTP {response.status_code}: {body}",
        retryable=retryable_status(response.status_code),
    )
