"""REST API building blocks shared by every app's `rest` package: authentication, the access
policy as DRF permissions and querysets, pagination, throttling, errors and schema hooks."""
