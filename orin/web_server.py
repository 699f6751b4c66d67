"""`python -m orin.web_server ARGS`: daphne, with Twisted's own form parsing turned off.

Twisted parses every multipart POST body into `request.args` before daphne hands the request to
Django, and answers a body it cannot parse (an empty multipart, a part without a boundary) with
its own bare "400 Bad Request": no body, no Content-Type, never seen by Django or the API's error
handler. Daphne never reads those args (Django parses the body itself), so the parse is turned
off with the `parsePOSTFormSubmission` switch Twisted offers for this; daphne does not expose it.
Hand-written because neither daphne nor channels has a setting for it.
"""

from __future__ import annotations

import sys

from daphne.cli import CommandLineInterface
from daphne.http_protocol import WebRequest


class DjangoParsedRequest(WebRequest):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("parsePOSTFormSubmission", False)
        super().__init__(*args, **kwargs)


def install() -> None:
    """Daphne's HTTP factory builds requests from its module's `WebRequest` name: point it here."""
    import daphne.http_protocol

    daphne.http_protocol.WebRequest = DjangoParsedRequest


def main(argv: list[str] | None = None) -> None:
    install()
    CommandLineInterface().run(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    main()
