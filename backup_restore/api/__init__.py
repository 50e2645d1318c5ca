"""The HTTP API: DRF views, request parsing, the OpenAPI schema and the one map from error
classes to HTTP statuses (``http.http_status``). Views parse, call one service, render."""
