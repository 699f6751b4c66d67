"""REST API for the faces app (mounted under /api/v1/ by orin.api_urls)."""
