"""docker-compose.yml against the Compose Specification's JSON schema (vendored in
deploy/compose/), and against the code: every service, its healthcheck on its ops port,
the migration step first, Prometheus scraping everything, the same variables as k8s."""

import copy
import json
import re
from urllib.parse import urlsplit

import jsonschema
import pytest
import yaml

from plumbing.config import defaults
from plumbing.registry import BACKEND_SERVICES, OPS_PORTS, SERVICES
from tests.deploy.manifests import (
    REPO_ROOT,
    compose,
    compose_environment,
    one,
    pod_containers,
    rendered,
)

COMPOSE_DIR = REPO_ROOT / "deploy" / "compose"
ENVIRONMENT = {"PLENARY_ORGANIZER_TOKEN": "compose-test-token"}


def compose_validator():
    schema = json.loads((COMPOSE_DIR / "compose-spec.json").read_text())
    return jsonschema.validators.validator_for(schema)(schema)


def test_compose_file_follows_the_compose_specification():
    compose_validator().validate(compose())


def test_the_schema_rejects_what_it_must():
    broken = copy.deepcopy(compose())
    broken["services"]["gateway"]["healthcheck"]["tests"] = ["CMD", "true"]
    with pytest.raises(jsonschema.ValidationError):
        compose_validator().validate(broken)
    broken = copy.deepcopy(compose())
    broken["services"]["expo"]["depends_on"]["migrate"]["condition"] = "service_done"
    with pytest.raises(jsonschema.ValidationError):
        compose_validator().validate(broken)


def test_every_service_runs_from_the_image_with_a_healthcheck_on_its_ops_port():
    services = compose()["services"]
    for service in SERVICES:
        definition = services[service]
        assert definition["build"] == "." and definition["command"] == ["run", service]
        healthcheck = " ".join(definition["healthcheck"]["test"])
        assert f"http://127.0.0.1:{OPS_PORTS[service]}/readyz" in healthcheck, service
        assert definition["read_only"] is True and definition["cap_drop"] == ["ALL"]
        depends = definition["depends_on"]
        assert depends["migrate"] == {"condition": "service_completed_successfully"}
        assert depends["rabbitmq"] == {"condition": "service_healthy"}
    for backend in BACKEND_SERVICES:
        assert services["gateway"]["depends_on"][backend] == {"condition": "service_healthy"}
    assert services["notifications"]["depends_on"]["mailpit"]["condition"] == "service_healthy"


def test_migrations_and_queues_come_first_in_a_one_shot_service():
    migrate = compose()["services"]["migrate"]
    assert migrate["restart"] == "no"
    assert migrate["entrypoint"] == ["sh", "-c", "plenary migrate && plenary declare"]
    for dependency in ("rabbitmq", "postgres"):
        assert migrate["depends_on"][dependency] == {"condition": "service_healthy"}


def test_each_backend_has_its_own_database_created_by_the_init_script():
    created = set(
        re.findall(r"CREATE DATABASE (\w+);", (COMPOSE_DIR / "init-databases.sql").read_text())
    )
    migrate = compose_environment("migrate", ENVIRONMENT)
    for service in BACKEND_SERVICES:
        database = f"plenary_{service}"
        assert database in created
        url = compose_environment(service, ENVIRONMENT)["DATABASE_URL"]
        assert url.rsplit("/", 1)[1] == database
        assert migrate[f"{service.upper()}_DATABASE_URL"] == url


def test_infrastructure_is_durable_and_observable():
    services = compose()["services"]
    assert "management" in services["rabbitmq"]["image"]
    assert "rabbitmq-data:/var/lib/rabbitmq" in services["rabbitmq"]["volumes"]
    assert "postgres-data:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    assert "mailpit" in services["mailpit"]["image"]
    prometheus = yaml.safe_load((COMPOSE_DIR / "prometheus.yml").read_text())
    targets = {
        target
        for job in prometheus["scrape_configs"]
        for group in job["static_configs"]
        for target in group["targets"]
    }
    assert {f"{service}:{port}" for service, port in OPS_PORTS.items()} <= targets
    assert "rabbitmq:15692" in targets


def known_variable(name):
    settings = set().union(*map(defaults, SERVICES))
    database_urls = {f"{service.upper()}_DATABASE_URL" for service in BACKEND_SERVICES}
    return name in settings or name == "DATABASE_URL" or name in database_urls


def k8s_variables(docs, container):
    names = {variable["name"] for variable in container.get("env", [])}
    for source in container.get("envFrom", []):
        names |= set(one(docs, "ConfigMap", source["configMapRef"]["name"])["data"])
    return names


@pytest.mark.parametrize("overlay", ["dev", "production"])
def test_compose_and_kubernetes_configure_each_service_with_the_same_variables(overlay):
    """Every variable is a setting some service reads (plumbing.config.defaults), and
    whatever compose sets for a service, its Kubernetes container sets too (a renamed
    variable fails here)."""
    docs = rendered(overlay)
    containers = {
        service: one(docs, "Deployment", service)["spec"]["template"]["spec"]["containers"][0]
        for service in SERVICES
    }
    job_spec = one(docs, "Job", "plenary-migrate")["spec"]["template"]["spec"]
    containers["migrate"] = pod_containers(job_spec)[0]
    for service, container in containers.items():
        in_compose = set(compose_environment(service, ENVIRONMENT))
        in_k8s = k8s_variables(docs, container)
        unknown = {name for name in in_compose | in_k8s if not known_variable(name)}
        assert not unknown, f"{service}: no service reads {sorted(unknown)}"
        assert in_compose <= in_k8s, f"{service}: not in Kubernetes: {in_compose - in_k8s}"


def test_the_gateway_counts_rate_limits_in_the_composed_redis():
    """Issue 13: the gateway's counters live in the Redis compose runs (durable, checked
    healthy before the gateway starts); with no proxy in front it counts the connection."""
    services = compose()["services"]
    gateway = compose_environment("gateway", ENVIRONMENT)
    uri = urlsplit(gateway["RATE_LIMIT_STORAGE_URI"])
    assert uri.scheme == "redis" and uri.hostname in services
    redis = services[uri.hostname]
    assert redis["image"].startswith("redis:")
    assert "redis-data:/data" in redis["volumes"] and "redis-data" in compose()["volumes"]
    assert redis["healthcheck"]["test"][:2] == ["CMD", "redis-cli"]
    assert services["gateway"]["depends_on"][uri.hostname]["condition"] == "service_healthy"
    assert gateway["TRUSTED_PROXY_HOPS"] == "0"
    behind_a_proxy = compose_environment("gateway", {**ENVIRONMENT, "TRUSTED_PROXY_HOPS": "1"})
    assert behind_a_proxy["TRUSTED_PROXY_HOPS"] == "1"
