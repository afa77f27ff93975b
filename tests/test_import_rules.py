"""The import rules (pyproject.toml [tool.importlinter]) hold for the tree and bite: a
copy of the project with one forbidden import in it fails `lint-imports`, naming the
rule it breaks."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("contracts", "plumbing", "services", "gateway")
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(cwd):
    # the copy's packages come first on the path, before the installed (editable) tree
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=cwd,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(cwd)},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_tree_keeps_every_import_rule():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.fixture(scope="module")
def project_copy(tmp_path_factory):
    copy = tmp_path_factory.mktemp("plenary")
    shutil.copy(ROOT / "pyproject.toml", copy)
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, copy / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    return copy


@pytest.mark.parametrize(
    "module, source, broken_rule",
    [
        (
            "gateway/violation.py",
            "from services.expo import models",
            "The gateway never imports a service",
        ),
        (
            "services/expo/violation.py",
            "from services.sessions import models",
            "A service never imports another service",
        ),
        ("plumbing/violation.py", "from contracts import enums", "Plumbing imports neither"),
        # through plumbing's database half of pagination: an indirect import of sqlalchemy
        (
            "contracts/violation.py",
            "from plumbing.pagination import keyset",
            "Contracts import no service, gateway, database or messaging code",
        ),
    ],
)
def test_a_forbidden_import_fails_and_names_its_rule(project_copy, module, source, broken_rule):
    violation = project_copy / module
    violation.write_text(f"{source}  # noqa\n")
    try:
        result = lint_imports(project_copy)
    finally:
        violation.unlink()
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert any(line.startswith(broken_rule) and " BROKEN" in line for line in lines)
    offender = module.removesuffix(".py").replace("/", ".")
    assert f"{offender} -> " in result.stdout  # the chain that breaks it
