"""The CLI starts fast because its command modules import their heavy dependencies lazily.

Not a timed test (timings live in ``bench/bench_cli_startup.py``): it checks the cause, which
does not vary with the machine. Loading the whole command tree, as ``biotraza --help`` does,
must not import a database driver, the web framework, HTTP or image libraries; ``keys list``
may add the key store but still no database.
"""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("sqlalchemy", "alembic", "psycopg", "fastapi", "uvicorn", "httpx", "segno", "PIL",
         "zxingcpp", "jinja2", "cryptography")  # fmt: skip


def _loaded(code: str) -> list[str]:
    probe = (
        "import json, sys\n" + code + "\n"
        f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    return list(json.loads(result.stdout.strip().splitlines()[-1]))


def test_the_command_tree_loads_no_heavy_module() -> None:
    assert _loaded("import api.cli.main") == []


def test_help_runs_without_heavy_modules() -> None:
    code = (
        "sys.argv = ['biotraza', '--help']\n"
        "from api.cli.main import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass"
    )
    assert _loaded(code) == []


def test_the_checker_sees_a_heavy_import() -> None:
    assert _loaded("import sqlalchemy") == ["sqlalchemy"]
