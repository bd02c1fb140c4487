"""Configuration: pydantic models and a YAML loader whose errors name file, line and field."""

from aiops_tui.config.loader import ConfigError, ConfigProblem, load_config, parse_config
from aiops_tui.config.models import Config, Endpoint, Scenario, parse_duration

__all__ = [
    "Config",
    "ConfigError",
    "ConfigProblem",
    "Endpoint",
    "Scenario",
    "load_config",
    "parse_config",
    "parse_duration",
]
