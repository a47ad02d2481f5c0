"""Keeping each consent text patients agreed to, once per version, so staff can show exactly
which words a request's consent was given to (GDPR Art. 7)."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite

from bot.consent import check_consent_text, consent_version  # noqa: F401  (check_consent_text: used from here too)
from bot.db.base import session_scope
from bot.db.models import ConsentText, utcnow

# Both engines we support have INSERT ... ON CONFLICT DO NOTHING: a text already kept (or
# stored by a concurrent request a moment ago) is left as it is, with its first_seen_at.
_INSERT = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


def remember_consent_text(url: str, version: str, text: str) -> None:
    with session_scope(url) as session:
        insert = _INSERT[session.get_bind().dialect.name]
        session.execute(
            insert(ConsentText)
            .values(version=version, text=text, first_seen_at=utcnow())
            .on_conflict_do_nothing(index_elements=["version"])
        )
