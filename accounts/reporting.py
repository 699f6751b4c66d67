"""Error reports (admin e-mails, DEBUG pages) must not carry secrets: Django already hides
settings named like KEY/SECRET/TOKEN/PASS; connection URLs embed passwords too."""

import re

from django.views.debug import SafeExceptionReporterFilter


class SecretSafeExceptionReporterFilter(SafeExceptionReporterFilter):
    hidden_settings = re.compile(
        "API|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|DATABASE|_URL$|DSN|CREDENTIAL", flags=re.IGNORECASE
    )
