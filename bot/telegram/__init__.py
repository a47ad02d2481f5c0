"""The Telegram bridge: relays between patients in Telegram and Rasa's REST channel.

Run it with `python -m bot.telegram` (or `make run`, which starts it when TELEGRAM_BOT_TOKEN is set).
"""
