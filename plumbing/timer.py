"""``@timer_from_config("SOME_INTERVAL")``: nameko's timer with its interval (seconds)
read from the container config at setup; nameko's own takes it at decoration time,
before any config exists."""

from nameko.timer import Timer


class ConfiguredTimer(Timer):
    def __init__(self, interval_config_key, **kwargs):
        super().__init__(interval=None, **kwargs)
        self.interval_config_key = interval_config_key

    def setup(self):
        self.interval = float(self.container.config[self.interval_config_key])


timer_from_config = ConfiguredTimer.decorator
