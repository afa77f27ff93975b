"""The image: hadolint-clean, multi-stage, slim, non-root, pinned dependencies, no build
tools in the final stage, and a command that selects the service."""

import json
import re
import subprocess
import sys
from pathlib import Path

from plumbing.registry import OPS_PORTS, SERVICES
from tests.deploy.manifests import (
    DOCKERFILE,
    REPO_ROOT,
    dockerfile_instructions,
    exec_form,
    final_stage,
    one,
    rendered,
)

HADOLINT = Path(sys.executable).parent / "hadolint"
BUILD_TOOLS = ("gcc", "build-essential", "make ", "g++", "-dev ", "git ")


def hadolint(path):
    return subprocess.run(
        [str(HADOLINT), "--no-color", str(path)], capture_output=True, text=True, timeout=60
    )


def test_hadolint_finds_nothing():
    result = hadolint(DOCKERFILE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_does_fail_a_bad_dockerfile(tmp_path):
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN apt-get update && apt-get install -y gcc\n")
    assert hadolint(bad).returncode != 0


def test_multi_stage_slim_non_root_and_no_build_tools_in_the_final_stage():
    instructions = dockerfile_instructions()
    assert sum(name == "FROM" for name, _ in instructions) >= 2
    args = dict(a.split("=", 1) for name, a in instructions if name == "ARG" and "=" in a)
    final = final_stage(instructions)
    base = final[0][1].replace("${PYTHON_IMAGE}", args.get("PYTHON_IMAGE", ""))
    assert base.startswith("python:3.11-slim"), base
    (user,) = [a for name, a in final if name == "USER"]
    uid = user.split(":")[0]
    assert uid.isdigit() and int(uid) != 0, "a numeric non-root user (runAsNonRoot checks it)"
    for name, arguments in final:
        if name == "RUN":
            assert not any(tool in f"{arguments} " for tool in BUILD_TOOLS), arguments
            assert "pip install" not in arguments, "packages are installed in the build stage"
    installs = [a for name, a in instructions if name == "RUN" and "pip install" in a]
    assert installs and all("--constraint requirements.lock" in a for a in installs)
    copied = [a for name, a in final if name == "COPY"]
    assert copied and all(a.startswith("--from=") for a in copied), "only built artefacts"


def test_the_command_selects_the_service_and_kubernetes_runs_as_the_image_user():
    instructions = dockerfile_instructions()
    assert exec_form(instructions, "ENTRYPOINT") == ["plenary"]
    command = exec_form(instructions, "CMD")
    assert command[0] == "run" and command[1] in SERVICES
    exposed = {int(p) for name, a in instructions if name == "EXPOSE" for p in a.split()}
    assert exposed == set(OPS_PORTS.values())
    (user,) = [a for name, a in final_stage(instructions) if name == "USER"]
    uid = int(user.split(":")[0])
    for overlay in ("dev", "production"):
        pod = one(rendered(overlay), "Deployment", "gateway")["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsUser"] == uid


def test_dockerignore_keeps_the_context_to_what_the_image_needs():
    text = (REPO_ROOT / ".dockerignore").read_text().splitlines()
    lines = [line for line in text if line.strip() and not line.startswith("#")]
    assert lines[0] == "*", "deny everything first, then let in what the image needs"
    allowed = {line[1:].rstrip("/") for line in lines if line.startswith("!")}
    copied = {
        part.rstrip("/")
        for name, arguments in dockerfile_instructions()
        if name == "COPY" and not arguments.startswith("--from")
        for part in arguments.split()[:-1]
    }
    # each top-level entry let in is copied (whole, or file by file), and nothing else
    assert {part.split("/")[0] for part in copied} == allowed, (
        "the Dockerfile copies exactly what .dockerignore lets in"
    )
    assert "**/tests/" in lines
    # the web stage builds its own: the host's node_modules and dist stay out
    assert {"web/node_modules/", "web/dist/"} <= set(lines)


def stages(instructions):
    """{stage name: its instructions}, the FROM line first."""
    found, current = {}, None
    for name, arguments in instructions:
        if name == "FROM":
            parts = arguments.split()
            current = parts[-1] if len(parts) >= 3 and parts[-2].upper() == "AS" else "final"
            found[current] = []
        if current is not None:  # the ARGs before the first FROM belong to no stage
            found[current].append((name, arguments))
    return found


def test_a_node_stage_builds_the_web_app_into_the_image_without_source_maps():
    instructions = dockerfile_instructions()
    args = dict(a.split("=", 1) for name, a in instructions if name == "ARG" and "=" in a)
    web = stages(instructions)["web"]
    assert web[0][1].split()[0] == "${NODE_IMAGE}" and args["NODE_IMAGE"].startswith("node:20")
    runs = [a for name, a in web if name == "RUN"]
    assert any(a.startswith("npm ci") for a in runs), "the lock file's exact packages"
    assert not any("npm install" in a for a in runs)
    assert any("npm run build" in a and "*.map" in a for a in runs), "fails on a source map"
    final = final_stage(instructions)
    (copy,) = [a for name, a in final if name == "COPY" and a.startswith("--from=web")]
    source, target = copy.split()[1:]
    assert source == "/web/dist"
    assert f"WEB_DIST_DIR={target}" in [a for name, a in final if name == "ENV"]
    assert not any(name == "RUN" and "npm" in a for name, a in final), "no node at run time"


def test_the_build_makes_no_source_maps():
    config = (REPO_ROOT / "web" / "vite.config.ts").read_text()
    assert re.search(r"\bsourcemap:\s*false\b", config), "vite.config.ts: sourcemap: false"
    dist = REPO_ROOT / "web" / "dist"
    if dist.exists():  # `make web` ran: what it built is what the image gets
        assert not list(dist.rglob("*.map")), "web/dist has source maps: rebuild (`make web`)"
    scripts = json.loads((REPO_ROOT / "web" / "package.json").read_text())["scripts"]
    assert "vite build" in scripts["build"] and "docs" in scripts["build"], (
        "`npm run build` builds the app and /docs, in the image as with `make web`"
    )
