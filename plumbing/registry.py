"""The one list of Plenary's services: everything else that names them derives from it.

A service's class is loaded by its "module:Class" path only when asked, so importing
plumbing never imports a service (nor the gateway).
"""

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Service:
    name: str
    class_path: str  # "module:Class"
    ops_port: int  # health, readiness and metrics (the gateway's API too)
    database: bool  # a backend: its own database and Alembic migrations, GDPR export/erasure

    @property
    def settings_module(self):
        """The module beside the service class whose SETTINGS are its own defaults."""
        package = self.class_path.split(":")[0].rsplit(".", 1)[0]
        return f"{package}.settings"

    def load(self):
        module_name, class_name = self.class_path.split(":")
        return getattr(importlib.import_module(module_name), class_name)

    def settings(self):
        return dict(importlib.import_module(self.settings_module).SETTINGS)


# name, class path, ops port, database
SERVICES = {
    service.name: service
    for service in (
        Service("gateway", "gateway.service:GatewayService", 8000, False),
        Service("registration", "services.registration.service:RegistrationService", 8001, True),
        Service("sessions", "services.sessions.service:SessionsService", 8002, True),
        Service("expo", "services.expo.service:ExpoService", 8003, True),
        Service("notifications", "services.notifications.service:NotificationsService", 8004, True),
        Service("networking", "services.networking.service:NetworkingService", 8005, True),
    )
}
BACKEND_SERVICES = tuple(name for name, service in SERVICES.items() if service.database)
OPS_PORTS = {name: service.ops_port for name, service in SERVICES.items()}


def load_service(name):
    return SERVICES[name].load()
