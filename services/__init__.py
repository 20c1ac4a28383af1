"""The service layer: what the API, the CLI and the workers call. No HTTP, no queue here."""
