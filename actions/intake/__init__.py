"""The consultation intake: consent, details, screening, review, and storing the request."""
