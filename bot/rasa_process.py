"""`python -m bot.rasa_process <rasa command>`: Rasa's own command line, in a process that first
applies bot/rasa_speedups.py. bot/stack.py starts Rasa this way, for `make run` and the tests alike."""

import sys

from bot.rasa_speedups import install

install()

from rasa.__main__ import main  # noqa: E402  (after the speedups, which patch Rasa's classes)

if __name__ == "__main__":
    sys.exit(main())
