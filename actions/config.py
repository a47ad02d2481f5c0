"""The clinic configuration (clinic.yml, screening.yml) as the actions see it, loaded once per process."""

from __future__ import annotations

from bot.clinic import Clinic, cached_clinic
from bot.screening.rules import ScreeningRules, cached_rules
from bot.settings import Settings, get_settings

_settings: Settings | None = None


def settings() -> Settings:
    global _settings
    if _settings is None:
        _settings = get_settings()
    return _settings


def clinic() -> Clinic:
    return cached_clinic(str(settings().clinic_config))


def screening_rules() -> ScreeningRules:
    return cached_rules(str(settings().screening_rules))


def check_configuration() -> None:
    """Fails fast (ClinicConfigError / ScreeningRulesError) when a clinic file is wrong."""
    clinic()
    screening_rules()
