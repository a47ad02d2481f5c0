"""What the dashboard's HTTP tests share (test_dashboard_access, _signin, _page_security, _requests,
_export, _privacy and _admin): the app with the real sign-in limiter on a fake clock, and requests
stored as the bot stores them. Each test gets a fresh SQLite database upgraded with the real
Alembic migrations (`tests/support/dashboard_db.py`)."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from bot.dashboard.auth import SignInLimiter
from bot.db.base import session_scope
from bot.db.models import ConsultationRequest, ScreeningAnswer
from tests.support.dashboard_client import make_app


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def app(db_url, clock):
    return make_app(db_url, limiter=SignInLimiter(clock=clock))


def add_request(url: str, reference: str, **fields) -> None:
    """Stores a request as the bot would, with screening answers."""
    values = dict(
        reference=reference,
        idempotency_key=f"key-{reference}",
        channel="web",
        conversation_id=f"web-conv-{reference}",
        name="Maria Lopez",
        date_of_birth=date(1980, 5, 17),
        age=45,
        phone="+447700900123",
        email="maria@example.org",
        preferred_contact="phone",
        concerns="acne scars on cheeks",
        preferred_time="weekday mornings",
        health_notes="takes vitamin D",
        outcome="eligible",
        consent_at=datetime.now(timezone.utc),
        status="new",
        created_at=datetime.now(timezone.utc),
    )
    answers = fields.pop(
        "answers",
        [
            ("pregnancy", "Are you pregnant or breastfeeding?", "no, not pregnant", False, None, None),
            (
                "blood_thinners",
                "Do you take blood thinners?",
                "yes I take warfarin daily",
                True,
                "review",
                "Which medicine, and who prescribed it?",
            ),
        ],
    )
    values.update(fields)
    with session_scope(url) as session:
        request = ConsultationRequest(**values)
        for position, (rule_id, question, answer, affirmed, level, follow_up) in enumerate(answers):
            request.answers.append(
                ScreeningAnswer(
                    rule_id=rule_id,
                    question=question,
                    answer=answer,
                    affirmed=affirmed,
                    level=level,
                    follow_up=follow_up,
                    position=position,
                )
            )
        session.add(request)
