#!/usr/bin/env bash
# Prints the path of a Python interpreter of the wanted kind, or explains in one sentence why not.
#   find-python.sh rasa   -> Python 3.10 (Rasa 3.6 supports 3.8 to 3.10 only)
#   find-python.sh app    -> Python 3.11, 3.12 or 3.13 for the application environment
set -u
kind=${1:?usage: find-python.sh rasa|app}
case "$kind" in
  rasa) versions="3.10" ;;
  app)  versions="3.11 3.12 3.13" ;;
  *) echo "find-python.sh: unknown kind '$kind'" >&2; exit 2 ;;
esac
pyenv_root=$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")
for v in $versions; do
  for candidate in "$(command -v "python$v" 2>/dev/null)" "$pyenv_root"/versions/"$v".*/bin/python"$v"; do
    # pyenv shims exist for every installed name but fail when that version is not selected; run it to be sure.
    if [ -n "$candidate" ] && [ -x "$candidate" ] && "$candidate" -c 'import sys, venv' >/dev/null 2>&1; then
      echo "$candidate"; exit 0
    fi
  done
done
if [ "$kind" = rasa ]; then
  echo "Python 3.10 was not found (Rasa 3.6 runs only on Python 3.8-3.10): install it, e.g. 'pyenv install 3.10', and run make again." >&2
else
  echo "Python 3.11 or newer was not found for the application environment: install it, e.g. 'pyenv install 3.11', and run make again." >&2
fi
exit 1
