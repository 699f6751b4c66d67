"""REST API for incidents (mounted under /api/v1/ by orin.api_urls)."""
