"""REST API for the alerts app (mounted under /api/v1/ by orin.api_urls)."""
