"""Screening: the clinic's editable rules, how answers to them are read, and the outcome they lead to."""
