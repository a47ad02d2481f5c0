"""Buttons offered after an answer: the patient's sensible next steps."""
from __future__ import annotations

BOOK = {"title": "Book a consultation", "payload": "/request_consultation"}
ANOTHER_QUESTION = {"title": "Another question", "payload": "/another_question"}
NEXT_STEPS = [BOOK, ANOTHER_QUESTION]
CALL_ME_BACK = {"title": "Ask them to call me back", "payload": "/request_callback"}
