"""The clinic configuration as the actions see it, loaded once per process."""

from __future__ import annotations

from bot.clinic import Clinic, cached_clinic
from bot.settings import Settings, get_settings

_settings: Settings | None = None


def settings() -> Settings:
    global _settings
    if _settings is None:
        _settings = get_settings()
    return _settings


def clinic() -> Clinic:
    return cached_clinic(str(settings().clinic_config))


def check_configuration() -> None:
    """Fails fast (ClinicConfigError / ScreeningRulesError) when a clinic file is wrong."""
    from actions.intake.screening import screening_rules  # imports this module: import here

    clinic()
    screening_rules()
