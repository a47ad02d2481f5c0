"""Privacy by design: what the assistant keeps about a conversation, where, and for how long.

This package is imported by Rasa's own process too (the tracker store), so this file must stay
free of anything only the app environment has.
"""

# The custom payload a bot message carries when a form has ended and nothing of the
# conversation may be kept: the tracker store deletes the conversation, the widget relay forgets
# its answers and the widget clears the browser's copy. domain.yml's utter_forget_conversation
# spells the same key.
FORGET_CONVERSATION = "forget_conversation"
