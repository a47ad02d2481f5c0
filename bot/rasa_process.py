"""`python -m bot.rasa_process <rasa command>`: Rasa's own command line, in a process that first
applies bot/rasa_speedups.py, bot/exactly_once.py and bot/rasa_lock.py. bot/stack.py starts Rasa this way, for
`make run`, the tests and the deployment files alike."""

import sys

from bot import exactly_once, rasa_lock, rasa_speedups

rasa_speedups.install()
exactly_once.install()
rasa_lock.install()

from rasa.__main__ import main  # noqa: E402  (after the speedups, which patch Rasa's classes)

if __name__ == "__main__":
    sys.exit(main())
