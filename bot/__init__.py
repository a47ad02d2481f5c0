"""The clinic assistant's application package: configuration, storage, channels and dashboard."""
