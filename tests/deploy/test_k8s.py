"""The Kubernetes manifests, as `kubectl kustomize` renders each overlay: every object
valid for the stated Kubernetes version (custom resources allow-listed and checked),
every service deployed, hardened, probed, scaled on its own queues and watched."""

import copy
import re
import shutil
from urllib.parse import urlsplit

import kubernetes_validate
import pytest
import yaml
from kubernetes_validate.utils import SchemaNotFoundError, ValidationError
from limits.storage import storage_from_string

from plumbing.config import env_config
from plumbing.observability import metrics
from plumbing.registry import BACKEND_SERVICES, OPS_PORTS, SERVICES, load_service
from plumbing.topology import service_queues
from tests.deploy.manifests import (
    K8S_DIR,
    OVERLAYS,
    SECRETS_EXAMPLE,
    kustomize,
    objects,
    one,
    pod_containers,
    rendered,
    secret_example_keys,
)

# The version the manifests target (kubectl here is 1.32; kubernetes-validate ships it).
K8S_VERSION = "1.32"
# Custom resources have no schema in kubernetes-validate: allow-listed by exact
# apiVersion and kind, with the spec keys each one cannot do without.
CUSTOM_RESOURCES = {
    ("keda.sh/v1alpha1", "ScaledObject"): {"scaleTargetRef", "triggers"},
    ("keda.sh/v1alpha1", "TriggerAuthentication"): {"secretTargetRef"},
    ("rabbitmq.com/v1beta1", "RabbitmqCluster"): {"replicas"},
    ("monitoring.coreos.com/v1", "ServiceMonitor"): {"selector", "endpoints"},
    ("monitoring.coreos.com/v1", "PrometheusRule"): {"groups"},
    ("postgresql.cnpg.io/v1", "Cluster"): {"instances", "storage"},
}
# RabbitMQ's Prometheus plugin, /metrics/detailed?family=queue_coarse_metrics
RABBITMQ_QUEUE_METRICS = {
    "rabbitmq_detailed_queue_messages",
    "rabbitmq_detailed_queue_messages_ready",
    "rabbitmq_detailed_queue_messages_unacked",
}


def check_object(obj):
    """Raise if ``obj`` is not a valid object for K8S_VERSION (strict: no unknown field,
    no removed API version) or an allow-listed custom resource with its required keys."""
    name = f"{obj.get('kind')}/{obj.get('metadata', {}).get('name')}"
    required = CUSTOM_RESOURCES.get((obj.get("apiVersion"), obj.get("kind")))
    if required is not None:
        assert set(obj) <= {"apiVersion", "kind", "metadata", "spec"}, f"{name}: {set(obj)}"
        assert obj["metadata"].get("name"), f"{name}: no metadata.name"
        missing = required - set(obj.get("spec", {}))
        assert not missing, f"{name}: spec lacks {sorted(missing)}"
        return
    try:
        kubernetes_validate.validate(obj, K8S_VERSION, strict=True)
    except (SchemaNotFoundError, ValidationError) as error:
        raise AssertionError(f"{name}: {error.message}") from error


def hardening_problems(pod_spec):
    """What a production pod spec lacks: probes, requests/limits, a locked-down context."""
    problems = []
    pod_context = pod_spec.get("securityContext", {})
    if not pod_context.get("runAsNonRoot"):
        problems.append("pod: runAsNonRoot")
    if pod_context.get("seccompProfile", {}).get("type") != "RuntimeDefault":
        problems.append("pod: seccompProfile RuntimeDefault")
    if pod_spec.get("automountServiceAccountToken") is not False:
        problems.append("pod: automountServiceAccountToken false")
    for container in pod_containers(pod_spec):
        name = container["name"]
        resources = container.get("resources", {})
        for bound in ("requests", "limits"):
            for resource in ("cpu", "memory"):
                if resource not in resources.get(bound, {}):
                    problems.append(f"{name}: {bound}.{resource}")
        context = container.get("securityContext", {})
        if context.get("readOnlyRootFilesystem") is not True:
            problems.append(f"{name}: readOnlyRootFilesystem")
        if context.get("allowPrivilegeEscalation") is not False:
            problems.append(f"{name}: allowPrivilegeEscalation false")
        if context.get("capabilities", {}).get("drop") != ["ALL"]:
            problems.append(f"{name}: capabilities drop ALL")
    return problems


def probe_problems(deployment):
    service = deployment["metadata"]["name"]
    spec = deployment["spec"]["template"]["spec"]
    (container,) = spec["containers"]
    ports = {port["name"]: port["containerPort"] for port in container.get("ports", [])}
    problems = []
    for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
        get = container.get(probe, {}).get("httpGet", {})
        if get.get("path") != path or ports.get(get.get("port")) != OPS_PORTS[service]:
            problems.append(f"{probe}: GET {path} on port {OPS_PORTS[service]}")
    pre_stop = container.get("lifecycle", {}).get("preStop", {}).get("sleep", {})
    if not pre_stop.get("seconds"):
        problems.append("preStop sleep (endpoints deregister before SIGTERM)")
    elif spec.get("terminationGracePeriodSeconds", 30) < pre_stop["seconds"] + 20:
        problems.append("terminationGracePeriodSeconds leaves nameko no time to drain")
    if not spec.get("topologySpreadConstraints"):
        problems.append("topologySpreadConstraints")
    return problems


def deployment(docs, service):
    return one(docs, "Deployment", service)


@pytest.fixture(params=OVERLAYS)
def docs(request):
    return rendered(request.param)


def test_every_object_is_valid_for_the_stated_kubernetes_version(docs):
    assert len(docs) > 40
    for obj in docs:
        check_object(obj)


def test_the_validator_rejects_what_it_must(docs):
    """The check above cannot pass silently: broken objects fail it."""
    good = deployment(docs, "gateway")
    check_object(good)

    unknown_field = copy.deepcopy(good)
    unknown_field["spec"]["template"]["spec"]["containers"][0]["livenessProbes"] = {}
    removed_api = dict(copy.deepcopy(good), apiVersion="extensions/v1beta1")
    scaled_object = copy.deepcopy(one(docs, "ScaledObject", "expo"))
    del scaled_object["spec"]["triggers"]
    wrong_crd_version = dict(copy.deepcopy(scaled_object), apiVersion="keda.sh/v1beta1")
    unknown_kind = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
    for broken in (unknown_field, removed_api, scaled_object, wrong_crd_version, unknown_kind):
        with pytest.raises(AssertionError):
            check_object(broken)


def test_every_service_is_deployed_with_its_own_account_service_and_budget(docs):
    assert {d["metadata"]["name"] for d in objects(docs, "Deployment")} == set(SERVICES)
    for service in SERVICES:
        (container,) = deployment(docs, service)["spec"]["template"]["spec"]["containers"]
        assert container["args"] == ["run", service]
        assert (
            deployment(docs, service)["spec"]["template"]["spec"]["serviceAccountName"]
            == (one(docs, "ServiceAccount", service)["metadata"]["name"])
        )
        assert one(docs, "Service", service)["spec"]["ports"][0]["port"] == OPS_PORTS[service]
        budget = one(docs, "PodDisruptionBudget", service)
        assert budget["apiVersion"] == "policy/v1"
        assert budget["spec"]["selector"] == deployment(docs, service)["spec"]["selector"]


def test_every_pod_is_hardened_probed_and_drains_gracefully(docs):
    for service in SERVICES:
        pod_spec = deployment(docs, service)["spec"]["template"]["spec"]
        assert hardening_problems(pod_spec) == [], service
        assert probe_problems(deployment(docs, service)) == [], service
        mounts = {m["mountPath"] for m in pod_spec["containers"][0].get("volumeMounts", [])}
        assert "/tmp" in mounts, f"{service}: a writable /tmp on a read-only root"
    job = one(docs, "Job", "plenary-migrate")
    assert hardening_problems(job["spec"]["template"]["spec"]) == []


def test_the_hardening_checks_catch_a_bare_deployment(docs):
    bare = copy.deepcopy(deployment(docs, "expo"))
    pod_spec = bare["spec"]["template"]["spec"]
    for key in ("livenessProbe", "readinessProbe", "resources", "securityContext", "lifecycle"):
        del pod_spec["containers"][0][key]
    del pod_spec["securityContext"]
    assert len(hardening_problems(pod_spec)) >= 8
    assert len(probe_problems(bare)) == 3


def test_migrations_then_queues_run_in_one_job_before_the_rollout(docs):
    job = one(docs, "Job", "plenary-migrate")
    spec = job["spec"]["template"]["spec"]
    assert [c["args"] for c in spec["initContainers"]] == [["migrate"]]
    assert [c["args"] for c in spec["containers"]] == [["declare"]]
    env = {variable["name"] for variable in spec["containers"][0]["env"]}
    assert {f"{service.upper()}_DATABASE_URL" for service in BACKEND_SERVICES} <= env
    assert job["metadata"]["annotations"]["argocd.argoproj.io/hook"] == "PreSync"
    # what the Job needs is applied with it (docs/operations.md "Upgrades")
    configs = {ref["configMapRef"]["name"] for ref in spec["containers"][0]["envFrom"]}
    for name in configs:
        assert one(docs, "ConfigMap", name)["metadata"]["labels"]["plenary.example.org/migration"]


def work_queues(service):
    """The work queues `plenary declare` binds for ``service``'s event handlers."""
    config = env_config(service, environ={})
    return {q.name for q in service_queues(config, load_service(service)) if q.routing_key}


def test_each_backend_scales_with_keda_on_its_own_queues_and_the_gateway_on_cpu(docs):
    (hpa,) = objects(docs, "HorizontalPodAutoscaler")
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"]["name"] == "gateway"
    assert hpa["spec"]["metrics"][0]["resource"]["name"] == "cpu"
    assert {s["spec"]["scaleTargetRef"]["name"] for s in objects(docs, "ScaledObject")} == set(
        BACKEND_SERVICES
    )
    authentications = {a["metadata"]["name"]: a for a in objects(docs, "TriggerAuthentication")}
    for service in BACKEND_SERVICES:
        triggers = one(docs, "ScaledObject", service)["spec"]["triggers"]
        queue_triggers = [t for t in triggers if t["type"] == "rabbitmq"]
        queues = {t["metadata"]["queueName"] for t in queue_triggers}
        assert queues == {f"rpc-{service}"} | work_queues(service), (
            f"{service}'s queues changed: run .venv/bin/python deploy/k8s/autoscaling.py"
        )
        for trigger in queue_triggers:
            assert trigger["metadata"]["protocol"] == "http"
            assert trigger["metadata"]["mode"] == "QueueLength"
            authentication = authentications[trigger["authenticationRef"]["name"]]
            (host,) = authentication["spec"]["secretTargetRef"]
            assert host["parameter"] == "host"
        # no replica count in the Deployment: the autoscaler owns it
        assert "replicas" not in deployment(docs, service)["spec"]


def test_the_autoscaling_file_is_what_its_generator_writes():
    import importlib.util

    spec = importlib.util.spec_from_file_location("autoscaling", K8S_DIR / "autoscaling.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (K8S_DIR / "base" / "autoscaling.yaml").read_text() == module.render(), (
        "run .venv/bin/python deploy/k8s/autoscaling.py"
    )


def secret_references(docs):
    """(secret name, key) of every secretKeyRef and KEDA secretTargetRef."""
    for obj in docs:
        if obj["kind"] in ("Deployment", "Job"):
            for container in pod_containers(obj["spec"]["template"]["spec"]):
                for variable in container.get("env", []):
                    ref = variable.get("valueFrom", {}).get("secretKeyRef")
                    if ref:
                        yield ref["name"], ref["key"]
        if obj["kind"] == "TriggerAuthentication":
            for ref in obj["spec"]["secretTargetRef"]:
                yield ref["name"], ref["key"]


def test_every_secret_reference_is_to_a_key_someone_provides(docs):
    """Secret `plenary` (its keys in secrets.env.example) or a CloudNativePG app Secret."""
    database_secrets = {f"{c['metadata']['name']}-app" for c in objects(docs, "Cluster")}
    assert not objects(docs, "Secret"), "no secret values in the repository"
    for name, key in secret_references(docs):
        if name == "plenary":
            assert key in secret_example_keys(), f"{key} missing from {SECRETS_EXAMPLE.name}"
        else:
            assert (name, key) in {(secret, "uri") for secret in database_secrets}


def test_the_secret_kustomization_builds_from_the_example(tmp_path):
    shutil.copytree(K8S_DIR / "secrets", tmp_path / "secrets")
    shutil.copy(SECRETS_EXAMPLE, tmp_path / "secrets" / "secrets.env")
    (secret,) = kustomize(tmp_path / "secrets")
    check_object(secret)
    assert secret["metadata"]["name"] == "plenary"
    assert set(secret["data"]) == secret_example_keys()


def test_network_policies_deny_by_default_and_open_only_what_is_needed(docs):
    policies = {p["metadata"]["name"]: p["spec"] for p in objects(docs, "NetworkPolicy")}
    deny = policies["plenary-default-deny"]
    assert deny["podSelector"] == {"matchLabels": {"app.kubernetes.io/part-of": "plenary"}}
    assert set(deny["policyTypes"]) == {"Ingress", "Egress"} and "ingress" not in deny
    for service in SERVICES:
        labels = deployment(docs, service)["spec"]["template"]["metadata"]["labels"]
        assert labels["app.kubernetes.io/part-of"] == "plenary", service
    (internet,) = policies["notifications-allow-internet"]["egress"]
    blocks = {b["ipBlock"]["cidr"]: set(b["ipBlock"]["except"]) for b in internet["to"]}
    assert {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16"} <= blocks[
        "0.0.0.0/0"
    ]
    (from_ingress,) = policies["gateway-allow-ingress-controller"]["ingress"]
    assert from_ingress["ports"] == [{"protocol": "TCP", "port": OPS_PORTS["gateway"]}]
    scrape_ports = {p["port"] for p in policies["plenary-allow-prometheus"]["ingress"][0]["ports"]}
    assert scrape_ports == set(OPS_PORTS.values())
    for service in BACKEND_SERVICES:  # its own database only
        (egress,) = policies[f"{service}-allow-database"]["egress"]
        assert egress["to"] == [
            {"podSelector": {"matchLabels": {"cnpg.io/cluster": f"plenary-{service}-db"}}}
        ]


SERIES_SUFFIXES = {
    "counter": ("_total",),
    "gauge": ("",),
    "histogram": ("_bucket", "_sum", "_count"),
}


def metric_names():
    """Every series name plumbing.observability exports."""
    families = [
        f for m in vars(type(metrics)).values() if hasattr(m, "describe") for f in m.describe()
    ]
    return {f.name + suffix for f in families for suffix in SERIES_SUFFIXES[f.type]}


def test_alerts_use_metrics_that_exist(docs):
    (rule,) = objects(docs, "PrometheusRule")
    alerts = {r["alert"]: r["expr"] for g in rule["spec"]["groups"] for r in g["rules"]}
    assert {
        "PlenaryDeadLetterQueueNotEmpty",
        "PlenaryWebhookFailureRate",
        "PlenaryConsumerBacklogGrowing",
        "PlenaryOutboxBacklogGrowing",
    } <= set(alerts)
    known = metric_names() | RABBITMQ_QUEUE_METRICS | {"up"}
    for alert, expr in alerts.items():
        used = set(re.findall(r"\b(?:plenary|rabbitmq)_\w+\b|\bup\b", expr))
        assert used and used <= known, f"{alert}: {used - known}"
    scrapes = one(docs, "ServiceMonitor", "plenary-rabbitmq")["spec"]["endpoints"]
    assert {"family": ["queue_coarse_metrics"]} in [e.get("params") for e in scrapes]


def test_production_runs_replicated_infrastructure():
    docs = rendered("production")
    assert one(docs, "RabbitmqCluster", "plenary-rabbitmq")["spec"]["replicas"] == 3
    for service in BACKEND_SERVICES:
        assert one(docs, "Cluster", f"plenary-{service}-db")["spec"]["instances"] >= 3
        assert one(docs, "ScaledObject", service)["spec"]["minReplicaCount"] >= 3
    (config,) = objects(docs, "ConfigMap")
    assert config["data"]["QUEUE_TYPE"] == "quorum"
    dev_limits = deployment(rendered("dev"), "gateway")["spec"]["template"]["spec"]
    production_limits = deployment(docs, "gateway")["spec"]["template"]["spec"]
    assert yaml.safe_dump(dev_limits["containers"][0]["resources"]) != yaml.safe_dump(
        production_limits["containers"][0]["resources"]
    )


def gateway_settings(docs):
    container = deployment(docs, "gateway")["spec"]["template"]["spec"]["containers"][0]
    settings = {}
    for source in container.get("envFrom", []):
        settings.update(one(docs, "ConfigMap", source["configMapRef"]["name"])["data"])
    settings.update({v["name"]: v.get("value") for v in container.get("env", [])})
    return settings


def test_rate_limits_count_the_client_in_one_store_shared_by_every_replica(docs):
    """Issue 13: behind the ingress (the one proxy, appending the client's address to
    X-Forwarded-For) the gateway counts the client, not the ingress controller, and its
    3-20 replicas share one budget in Redis, deployed with the overlay."""
    settings = gateway_settings(docs)
    assert settings["TRUSTED_PROXY_HOPS"] == "1"
    uri = urlsplit(settings["RATE_LIMIT_STORAGE_URI"])
    assert uri.scheme == "redis"
    storage_from_string(settings["RATE_LIMIT_STORAGE_URI"])  # the pinned client is there
    service = one(docs, "Service", uri.hostname)
    assert service["spec"]["ports"][0]["port"] == (uri.port or 6379)
    selector = service["spec"]["selector"]
    (store,) = [
        s
        for s in objects(docs, "StatefulSet")
        if selector.items() <= s["spec"]["template"]["metadata"]["labels"].items()
    ]
    pod_spec = store["spec"]["template"]["spec"]
    assert hardening_problems(pod_spec) == []
    (container,) = pod_spec["containers"]
    assert container["livenessProbe"] and container["readinessProbe"]
    (claim,) = store["spec"]["volumeClaimTemplates"]
    assert {m["name"] for m in container["volumeMounts"]} == {claim["metadata"]["name"]}
    # the default deny covers it; the gateway, and only the gateway, may reach it
    assert store["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/part-of"] == "plenary"
    policies = [p["spec"] for p in objects(docs, "NetworkPolicy")]
    to_store = [
        rule
        for p in policies
        if selector.items() <= p["podSelector"].get("matchLabels", {}).items()
        for rule in p.get("ingress", [])
    ]
    assert [rule["from"] for rule in to_store] == [
        [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "gateway"}}}]
    ]
    gateway_egress = [
        rule
        for p in policies
        if p["podSelector"].get("matchLabels") == {"app.kubernetes.io/name": "gateway"}
        for rule in p.get("egress", [])
    ]
    assert {"podSelector": {"matchLabels": selector}} in [
        peer for rule in gateway_egress for peer in rule["to"]
    ]


# the ops endpoints answer inside the cluster only (probes, Prometheus)
OPS_PATHS = ("/healthz", "/readyz", "/metrics")
MAIN_TSX = K8S_DIR.parents[1] / "web" / "src" / "main.tsx"


def ingress_matches(paths, url_path):
    """Kubernetes' matching: Exact is the whole path, Prefix whole path elements."""
    for rule in paths:
        if rule["pathType"] == "Exact" and url_path == rule["path"]:
            return True
        prefix = rule["path"].rstrip("/")
        if rule["pathType"] == "Prefix" and (
            url_path == prefix or url_path.startswith(prefix + "/")
        ):
            return True
    return False


def app_route_prefixes():
    """The first path element of every route of the web app's router."""
    routes = re.findall(r'path: "(/[^"]*)"', MAIN_TSX.read_text())
    assert len(routes) > 10, "main.tsx's router was not found"
    return {"/" + route.split("/")[1] for route in routes if route != "/"}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_ingress_publishes_the_app_and_the_api_but_not_the_ops_endpoints(overlay):
    (ingress,) = objects(rendered(overlay), "Ingress")
    (rule,) = ingress["spec"]["rules"]
    paths = rule["http"]["paths"]
    assert {p["backend"]["service"]["name"] for p in paths} == {"gateway"}
    assert {p["backend"]["service"]["port"]["name"] for p in paths} == {"http"}
    for url_path in ("/", "/v1/sessions", "/assets/index-1a2b.js", "/docs", "/docs/x.css"):
        assert ingress_matches(paths, url_path), url_path
    for prefix in app_route_prefixes():  # a reload on any page of the app reaches it
        assert ingress_matches(paths, f"{prefix}/deep/link"), prefix
    for url_path in OPS_PATHS:
        assert not ingress_matches(paths, url_path), url_path
        assert not ingress_matches(paths, f"{url_path}/x"), url_path


def test_the_ingress_check_would_catch_a_catch_all():
    everything = [{"path": "/", "pathType": "Prefix"}]
    assert ingress_matches(everything, "/metrics")
    assert not ingress_matches([{"path": "/me", "pathType": "Prefix"}], "/metrics")
