"""The README's shell examples work when pasted: its ```sh blocks marked ``<!-- readme-test -->``
run with bash, unchanged but for the address, against a real gunicorn serving the shop that
``make run`` seeds (``demo``, password ``demo1234``)."""

import re
import subprocess

import orjson
import pytest

from .support import ROOT, header_of, verify_file

pytestmark = pytest.mark.e2e

README_ADDRESS = "http://127.0.0.1:8000"
MARKED_BLOCK = re.compile(r"<!-- readme-test -->\s*```sh\n(.*?)```", re.DOTALL)


def readme_script(address: str) -> str:
    blocks = MARKED_BLOCK.findall((ROOT / "README.md").read_text())
    assert blocks, "no ```sh block of the README is marked <!-- readme-test -->"
    script = "\n".join(blocks)
    assert README_ADDRESS in script, f"the marked blocks do not talk to {README_ADDRESS}"
    return script.replace(README_ADDRESS, address)


def test_readme_examples_work_when_pasted(demo, tmp_path):
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", readme_script(demo.server.url)],
        cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"

    backup = tmp_path / "backup.ndjson.zst"
    assert header_of(backup)["tenant"]["slug"] == "demo"
    check = verify_file(demo.env, backup)
    assert check.returncode == 0, check.stdout + check.stderr

    summary = orjson.loads(result.stdout.strip().splitlines()[-1])  # "# JSON summary"
    assert summary["ok"] is True, summary
    assert (summary["mode"], summary["dry_run"]) == ("replace", True)
    assert summary["rows"] > 0 and summary["sections"]["clientes_servicios.cliente"]["created"] > 0
