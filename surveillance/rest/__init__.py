"""REST API for the surveillance app (mounted under /api/v1/ by orin.api_urls)."""
