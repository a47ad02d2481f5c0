"""The clinic website's chat: demo pages, the embeddable widget, and the relay to Rasa."""
