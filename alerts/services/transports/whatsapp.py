"""WhatsApp Business Cloud API: a template or text message to every number of the recipient
groups. Numbers already reached by an earlier attempt are not messaged again."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError

from alerts.services.channels import whatsapp_recipients
from alerts.services.transports import OutgoingMessage, SendResult
from alerts.services.transports.http import post

TEXT_LIMIT = 4096


def _body(config, message: OutgoingMessage, number: str) -> dict:
    if config.template_name:
        parameters = [
            {"type": "text", "text": message.payload["context"].get(name, "") or "-"}
            for name in config.template_parameters or []
        ]
        template = {"name": config.template_name, "language": {"code": config.template_language}}
        if parameters:
            template["components"] = [{"type": "body", "parameters": parameters}]
        return {"messaging_product": "whatsapp", "to": number, "type": "template", "template": template}
    return {
        "messaging_product": "whatsapp",
        "to": number,
        "type": "text",
        "text": {"preview_url": False, "body": message.text[:TEXT_LIMIT]},
    }


def send(channel, message: OutgoingMessage, timeout: float, detail: dict) -> SendResult:
    config = getattr(channel, "whatsapp", None)
    if config is None:
        return SendResult(False, error="the channel has no WhatsApp configuration")
    try:
        numbers = whatsapp_recipients(config.recipient_groups, channel.config)
    except ValidationError as exc:
        return SendResult(False, error=" ".join(exc.messages))
    if not numbers:
        return SendResult(False, error="no recipients: the recipient groups are empty")
    api_key = config.api_key
    url = f"{settings.ORIN_WHATSAPP_API_BASE.rstrip('/')}/{config.phone_number_id}/messages"
    reached = list(detail.get("delivered_to", []))
    failures = []
    last_code = None
    for number in numbers:
        if number in reached:
            continue
        result = post(
            url, timeout, [api_key], json=_body(config, message, number), headers={"Authorization": f"Bearer {api_key}"}
        )
        last_code = result.status_code
        if result.ok:
            reached.append(number)
        else:
            failures.append((number, result))
    outcome_detail = {"delivered_to": reached}
    if not failures:
        return SendResult(True, last_code, detail=outcome_detail)
    return SendResult(
        False,
        failures[-1][1].status_code,
        error="; ".join(f"{number}: {result.error}" for number, result in failures),
        retryable=any(result.retryable for _, result in failures),
        detail=outcome_detail,
    )
