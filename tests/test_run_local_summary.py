"""What `make run` prints once the platform is up: the page a person opens first."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

import run_local  # noqa: E402  (scripts/ run as scripts, not as a package)


def test_the_summary_names_the_web_app_and_the_api_reference(capsys):
    run_local.print_summary("tok")
    printed = capsys.readouterr().out
    assert "web app          http://127.0.0.1:8000/\n" in printed
    assert "API reference    http://127.0.0.1:8000/docs\n" in printed
    # the exhibitors' keys are printed above; the summary says where to find them
    assert "exhibitor keys" in printed
