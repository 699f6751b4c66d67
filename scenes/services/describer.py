"""The describer interface and its one implementation: the OpenAI-compatible chat completions
API with image parts, which Ollama, llama.cpp's server, vLLM, LM Studio and hosted services
all speak. Anything else (a local library model, another protocol) implements `Describer`."""

from __future__ import annotations

import base64
import email.utils
import time
from dataclasses import dataclass, field
from typing import Protocol

import requests

USER_AGENT = "ORIN-Scenes/1.0"
ERROR_BODY_CHARS = 300
MAX_RETRY_AFTER = 3600.0


@dataclass(frozen=True)
class Image:
    name: str
    data: bytes
    content_type: str = "image/jpeg"

    def data_url(self) -> str:
        return f"data:{self.content_type};base64,{base64.b64encode(self.data).decode()}"


@dataclass
class Answer:
    text: str
    model: str
    latency_ms: int
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    total_tokens: int | None = None
    raw: dict = field(default_factory=dict)


class DescriberError(Exception):
    """The describer gave no description. `retryable`: worth another try (timeouts, 429, 5xx);
    `retry_after`: seconds the server asked us to wait (Retry-After), if it said."""

    def __init__(self, message: str, *, retryable: bool, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after


class Describer(Protocol):
    def describe(self, prompt: str, images: list[Image]) -> Answer: ...


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP-date), capped; None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def _redact(text: str, secret: str | None) -> str:
    return text.replace(secret, "***") if secret else text


@dataclass
class OpenAICompatibleDescriber:
    url: str  # …/v1/chat/completions
    model: str
    api_key: str | None = None
    timeout: float = 60.0
    max_tokens: int = 300

    def payload(self, prompt: str, images: list[Image]) -> dict:
        content: list[dict] = [{"type": "text", "text": prompt}]
        content += [{"type": "image_url", "image_url": {"url": image.data_url()}} for image in images]
        return {
            "model": self.model,
            "messages": [{"role": "user", "content": content}],
            "max_tokens": self.max_tokens,
            "temperature": 0.2,
            "stream": False,
        }

    def describe(self, prompt: str, images: list[Image]) -> Answer:
        headers = {"User-Agent": USER_AGENT, "Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        started = time.monotonic()
        try:
            # Redirects could carry the bearer token to another host: never follow them.
            response = requests.post(
                self.url,
                json=self.payload(prompt, images),
                headers=headers,
                timeout=self.timeout,
                allow_redirects=False,
            )
        except requests.Timeout:
            raise DescriberError(f"timed out after {self.timeout:g} s", retryable=True) from None
        except requests.RequestException as exc:
            message = _redact(f"{type(exc).__name__}: {exc}", self.api_key)
            raise DescriberError(message, retryable=True) from None
        latency_ms = int((time.monotonic() - started) * 1000)
        if response.status_code != 200:
            code = response.status_code
            body = _redact(response.text[:ERROR_BODY_CHARS], self.api_key)
            raise DescriberError(
                f"HTTP {code}: {body}",
                retryable=code in (408, 425, 429) or code >= 500,
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
        return self._answer(response, latency_ms)

    def _answer(self, response: requests.Response, latency_ms: int) -> Answer:
        try:
            raw = response.json()
            text = raw["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError):
            body = _redact(response.text[:ERROR_BODY_CHARS], self.api_key)
            raise DescriberError(f"not a chat completion answer: {body}", retryable=False) from None
        if isinstance(text, list):  # some servers answer with content parts
            text = " ".join(part.get("text", "") for part in text if isinstance(part, dict))
        usage = raw.get("usage") or {}
        return Answer(
            text=(text or "").strip(),
            model=str(raw.get("model") or self.model)[:200],
            latency_ms=latency_ms,
            prompt_tokens=usage.get("prompt_tokens"),
            completion_tokens=usage.get("completion_tokens"),
            total_tokens=usage.get("total_tokens"),
            raw=raw,
        )


def describer_for(endpoint) -> Describer:
    """The describer of a `DescriberEndpoint` row."""
    return OpenAICompatibleDescriber(
        url=endpoint.chat_url,
        model=endpoint.model,
        api_key=endpoint.api_key or None,
        timeout=float(endpoint.timeout_seconds),
        max_tokens=endpoint.max_tokens,
    )
