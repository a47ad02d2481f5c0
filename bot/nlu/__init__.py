"""Pieces of the Rasa NLU pipeline that are ours (loaded by config.yml in the Rasa environment)."""
