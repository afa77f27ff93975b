"""Reading the deployment files the way the tools do: the Dockerfile's instructions,
docker-compose.yml with its ${VARIABLE} interpolation, and kustomize's rendered YAML."""

import json
import os
import re
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO_ROOT / "Dockerfile"
COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
K8S_DIR = REPO_ROOT / "deploy" / "k8s"
OVERLAYS = ("dev", "production")
SECRETS_EXAMPLE = K8S_DIR / "secrets" / "secrets.env.example"


def dockerfile_instructions(text=None):
    """[(INSTRUCTION, arguments)] with continuation lines joined and comments dropped."""
    text = DOCKERFILE.read_text() if text is None else text
    logical, instructions = "", []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        logical += line.rstrip()
        if logical.endswith("\\"):
            logical = logical[:-1] + " "
            continue
        instruction, _, arguments = logical.strip().partition(" ")
        instructions.append((instruction.upper(), arguments.strip()))
        logical = ""
    return instructions


def final_stage(instructions):
    last_from = max(i for i, (name, _) in enumerate(instructions) if name == "FROM")
    return instructions[last_from:]


def exec_form(instructions, name):
    """The JSON (exec) form of the last ENTRYPOINT or CMD."""
    arguments = [args for instruction, args in instructions if instruction == name][-1]
    return json.loads(arguments)


def image_command(service_args):
    """The argv a container runs: the image's ENTRYPOINT followed by its arguments."""
    return exec_form(dockerfile_instructions(), "ENTRYPOINT") + list(service_args)


def compose():
    return yaml.safe_load(COMPOSE_FILE.read_text())


_VARIABLE = re.compile(r"\$\{(?P<name>\w+)(?:(?P<op>:-|:\?)(?P<arg>[^}]*))?\}")


def interpolate(value, environ):
    """Compose's ${NAME}, ${NAME:-default} and ${NAME:?error} in one string."""

    def substitute(match):
        name, op, arg = match["name"], match["op"], match["arg"]
        if environ.get(name):
            return environ[name]
        if op == ":?":
            raise KeyError(f"{name}: {arg}")
        return arg if op == ":-" else ""

    return _VARIABLE.sub(substitute, str(value))


def compose_environment(service, environ):
    variables = compose()["services"][service].get("environment", {})
    return {name: interpolate(value, environ) for name, value in variables.items()}


@cache
def kustomize(directory):
    """The objects `kubectl kustomize` renders from ``directory``."""
    kubectl = shutil.which("kubectl", path=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    assert kubectl, "kubectl is needed to render the manifests (.ci/run installs it)"
    result = subprocess.run(
        [kubectl, "kustomize", str(directory)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return tuple(doc for doc in yaml.safe_load_all(result.stdout) if doc)


def rendered(overlay):
    return kustomize(K8S_DIR / "overlays" / overlay)


def objects(docs, kind, name=None):
    return [
        doc
        for doc in docs
        if doc["kind"] == kind and (name is None or doc["metadata"]["name"] == name)
    ]


def one(docs, kind, name):
    found = objects(docs, kind, name)
    assert len(found) == 1, f"expected one {kind} {name}, found {len(found)}"
    return found[0]


def secret_example_keys():
    lines = SECRETS_EXAMPLE.read_text().splitlines()
    return {line.split("=", 1)[0] for line in lines if line.strip() and not line.startswith("#")}


def pod_containers(pod_spec):
    return pod_spec.get("initContainers", []) + pod_spec["containers"]
