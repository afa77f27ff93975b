from collections import Counter

from plumbing.config import SHARED_SETTINGS, env_config
from plumbing.registry import SERVICES


def test_every_setting_has_one_home():
    keys = Counter(list(SHARED_SETTINGS))
    for service in SERVICES.values():
        keys.update(list(service.settings()))
    assert [key for key, homes in keys.items() if homes > 1] == []


def test_a_service_config_merges_shared_and_own_settings_under_the_environment():
    config = env_config("registration", environ={"LOGIN_CODE_MAX_ATTEMPTS": "3"})
    assert config["LOGIN_CODE_MAX_ATTEMPTS"] == "3"
    assert config["LOGIN_CODE_TTL_SECONDS"] == 900
    assert config["AMQP_URI"] == SHARED_SETTINGS["AMQP_URI"]
    assert "SMTP_HOST" not in config  # notifications' own
    assert config["WEB_SERVER_ADDRESS"] == "0.0.0.0:8001"
