"""Custom actions run by the rasa-sdk action server (`python -m bot.action_server --actions actions`).

Importing this package loads and validates the clinic's YAML files, so a mistake in them stops
the action server at start-up with a message naming the field, not in the middle of a chat.
"""

from bot.log_privacy import install as install_log_privacy

install_log_privacy()  # first: also in each Sanic worker, which imports this package but not our logging setup

from actions.config import check_configuration  # noqa: E402

check_configuration()
