"""OpenAPI (drf-spectacular) additions: the device-key and session-JWT security schemes and the
error responses every operation can give, all with the one error body of accounts.rest.errors."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object

ERROR_COMPONENT = "Error"
ERROR_SCHEMA = {
    "type": "object",
    "required": ["detail", "code"],
    "properties": {
        "detail": {"type": "string", "description": "What went wrong, for people."},
        "code": {"type": "string", "description": "Stable machine-readable code."},
        "fields": {
            "type": "object",
            "additionalProperties": {},
            "description": "Input errors: field name (or batch item index) → messages.",
        },
        "retry_after": {"type": "integer", "description": "Seconds to wait (429 and 503)."},
    },
}
ERROR_STATUSES = {
    "400": "Invalid input: see `fields`.",
    "401": "Not signed in, or the token/key is invalid, expired or revoked.",
    "403": "Signed in, but the role does not allow this.",
    "404": "No such object among those you may see (objects of other sites included).",
    "406": "None of the Accept header's media types can be produced.",
    "409": "The object's current state refuses this change.",
    "415": "The request body's Content-Type is not accepted here.",
    "429": "Too many requests: retry after the `Retry-After` header's seconds.",
    "503": "A service ORIN needs (the database, Redis) is away for a moment, e.g. restarting: nothing was "
    "stored; retry after the `Retry-After` header's seconds.",
}
HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


class DeviceKeyScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.DeviceKeyAuthentication"
    name = "deviceKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Device API key: `Authorization: Api-Key <key>` (or the `X-Api-Key` header).",
        }


class SessionJWTScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.rest.authentication.SessionJWTAuthentication"
    name = "jwtAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(
            header_name="HTTP_AUTHORIZATION",
            token_prefix="Bearer",  # noqa: S106  (the scheme's name, not a secret)
            bearer_format="JWT",
        )


def add_error_responses(result: dict, generator, request, public) -> dict:
    """Postprocessing hook: document the shared error body for each operation's failures."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components[ERROR_COMPONENT] = ERROR_SCHEMA
    ref = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in HTTP_METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for code, description in ERROR_STATUSES.items():
                responses.setdefault(
                    code, {"content": {"application/json": {"schema": ref}}, "description": description}
                )
    return result
