"""Every command of README.md and docs/*.md runs as written, or is marked with where it runs
(tests/docs_blocks.py says how). Each page runs against a server of its own, started with
`make run` on a fresh SQLite database in a scratch copy of the checkout, with the values
`make run` printed in the shell's variables, one shell state carried from block to block."""

import argparse
import base64
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import get_commands, load_command_class

from tests.docs_blocks import (
    KINDS,
    QUIET_LANGUAGES,
    ROOT,
    RUN_LANGUAGES,
    Block,
    assert_output_like,
    assert_shape_like,
    assignments,
    blocks,
    commands,
    console_steps,
    fences,
    on_port,
    pages,
)

VENV_BIN = ROOT / ".venv" / "bin"
# Left out of the scratch copy: what a run writes (the database, make run's .local/ keys).
NOT_COPIED = {".git", ".local", "test-artifacts", "staticfiles"}
# What `make run` prints (identity/management/commands/bootstrap.py), as shell variables.
PRINTED = {
    "PASSWORD": re.compile(r"^Admin user: +admin / (\S+)$", re.M),
    "CLIENT_ID": re.compile(r"^client_id: +(\S+)$", re.M),
    "CLIENT_SECRET": re.compile(r"^client_secret: +(\S+)$", re.M),
    "ALICE_PASSWORD": re.compile(r"^Demo user: +alice / (\S+)$", re.M),
    "BOB_PASSWORD": re.compile(r"^Demo user: +bob / (\S+)$", re.M),
}
STATE_SKIPPED = "SHELLOPTS|BASHOPTS|PWD|OLDPWD|SHLVL|_"


def page_id(page: Path) -> str:
    return str(page.relative_to(ROOT))


def is_sqlite() -> bool:
    return bool(settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"))


@dataclass
class Shell:
    """A terminal in the checkout: its variables carried from command to command."""

    cwd: Path
    env: dict[str, str]
    state: Path
    port: int
    printed: dict[str, str]  # what `make run` printed, by variable name

    def run(self, script: str, where: str, *, check: bool = True) -> str:
        wrapped = (
            f"set -a\nsource {shlex.quote(str(self.state))}\nset -o pipefail\n"
            f"{on_port(script, self.port)}\nstatus=$?\n"
            f"export -p | grep -Ev '^declare -x ({STATE_SKIPPED})=' > {self.state}\n"
            "exit $status\n"
        )
        done = subprocess.run(  # noqa: S603
            ["/bin/bash", "-c", wrapped],
            cwd=self.cwd,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if check:
            assert done.returncode == 0, (
                f"{where}: exit {done.returncode}\n{script}\n{done.stdout}\n{done.stderr}"
            )
        return done.stdout

    def set(self, **values: str) -> None:
        self.run("\n".join(f"{k}={shlex.quote(v)}" for k, v in values.items()), "set")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def scratch_checkout(tmp: Path) -> Path:
    """The checkout as a user has it, its entries linked, so what a command writes stays here."""
    checkout = tmp / "checkout"
    checkout.mkdir()
    for entry in ROOT.iterdir():
        if entry.name not in NOT_COPIED and not entry.name.startswith("db.sqlite3"):
            (checkout / entry.name).symlink_to(entry)
    return checkout


def clean_environment(tmp: Path, port: int) -> dict[str, str]:
    """The user's environment: none of the suite's settings, the venv first on PATH."""
    drop = ("DJANGO_", "DATABASE_", "OAUTH2_", "OIDC_", "MAKE", "MFLAGS", "PYTEST_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop) and k != "PORT"}
    return {
        **env,
        "PATH": f"{VENV_BIN}:{env.get('PATH', '/usr/bin:/bin')}",
        "DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PORT": str(port),
    }


def post(url: str, data: dict[str, str], user: str, password: str) -> dict[str, str]:
    request = urllib.request.Request(  # noqa: S310 (our own http:// URL)
        url, data=urllib.parse.urlencode(data).encode(), method="POST"
    )
    basic = base64.b64encode(f"{user}:{password}".encode()).decode()
    request.add_header("Authorization", f"Basic {basic}")
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        answer: dict[str, str] = json.load(response)
        return answer


@pytest.fixture(scope="session")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated database that each page's copy starts from: `make run` migrates it again,
    which finds nothing to do (a test process migrates once, not once per page)."""
    database = tmp_path_factory.mktemp("docs") / "migrated.sqlite3"
    env = {**clean_environment(database.parent, 0), "DATABASE_URL": f"sqlite:///{database}"}
    subprocess.run(  # noqa: S603
        [str(VENV_BIN / "python"), "manage.py", "migrate", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    return database


@pytest.fixture
def served(tmp_path: Path, migrated: Path) -> Iterator[Shell]:
    """`make run` on a free port, and a shell holding what it printed, and an admin's TOKEN."""
    if shutil.which("curl") is None:
        pytest.fail("the documented commands use curl: apt-get install curl")
    port = free_port()
    checkout = scratch_checkout(tmp_path)
    env = clean_environment(tmp_path, port)
    shutil.copyfile(migrated, tmp_path / "db.sqlite3")
    log = tmp_path / "make-run.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            ["make", "--no-print-directory", "run"],  # noqa: S607 (make on PATH, as documented)
            cwd=checkout,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        printed = wait_for_server(port, process, log)
        values = {name: pattern.search(printed) for name, pattern in PRINTED.items()}
        missing = [name for name, match in values.items() if match is None]
        assert not missing, f"make run did not print {missing}:\n{printed}"
        shell_values = {name: match.group(1) for name, match in values.items() if match}
        token = post(
            f"http://127.0.0.1:{port}/o/token/",
            {"grant_type": "password", "username": "admin", "password": shell_values["PASSWORD"]},
            shell_values["CLIENT_ID"],
            shell_values["CLIENT_SECRET"],
        )["access_token"]
        state = tmp_path / "state.sh"
        state.write_text("")
        shell = Shell(cwd=checkout, env=env, state=state, port=port, printed=shell_values)
        shell.set(TOKEN=token, **shell_values)  # as the README's tutorial leaves its terminal
        yield shell
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def wait_for_server(port: int, process: "subprocess.Popen[bytes]", log: Path) -> str:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"make run exited {process.returncode}:\n{log.read_text()}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health/live/", timeout=2)
        except (OSError, urllib.error.URLError):
            time.sleep(0.3)
            continue
        return log.read_text()
    raise AssertionError(f"make run did not answer on {port}:\n{log.read_text()}")


def run_block(shell: Shell, block: Block) -> None:
    if block.kind == "values":
        names = assignments(block)
        printed = shell.printed
        unknown = set(names) - set(printed)
        assert not unknown, f"{block}: make run prints no {unknown}"
        shell.set(**{name: printed[name] for name in names})
    elif block.language == "console":
        for number, step in enumerate(console_steps(block.text), 1):
            where = f"{block}, command {number}"
            output = shell.run(step.command, where)
            assert_output_like(on_port(step.expected, shell.port), output, where)
    elif block.language == "python":
        script = shell.cwd / f"docs_block_{block.line}.py"
        script.write_text(on_port(block.text, shell.port))
        shell.run(f"python {script.name}", str(block))
    else:
        shell.run(block.text, str(block))


def runs(block: Block) -> bool:
    return block.kind is None or block.kind == "values"


def test_every_block_is_run_or_marked_with_where_it_runs() -> None:
    known = RUN_LANGUAGES | QUIET_LANGUAGES
    for page in pages():
        for line, language in fences(page):
            assert language in known, f"{page_id(page)}:{line}: ```{language}: use one of {known}"
        for block in blocks(page):
            assert block.kind is None or block.kind in KINDS, f"{block}: unknown {block.marker}"
            if block.kind in ("manual", "compile"):
                assert block.reason, f"{block}: say why it is not run"
            if block.kind == "compile":
                assert block.language == "python", f"{block}: only python is compiled"
                compile(block.text, str(block), "exec")


@pytest.mark.parametrize("page", [p for p in pages() if any(map(runs, blocks(p)))], ids=page_id)
def test_the_commands_of_the_page_run_as_written(
    page: Path, request: pytest.FixtureRequest
) -> None:
    if not is_sqlite():
        pytest.skip("the documented commands run in the SQLite run of the suite")
    shell: Shell = request.getfixturevalue("served")
    for block in blocks(page):
        if runs(block):
            run_block(shell, block)


def makefile_targets() -> dict[str, tuple[list[str], str]]:
    """target: (its prerequisites, its recipe's first line)."""
    targets: dict[str, tuple[list[str], str]] = {}
    lines = (ROOT / "Makefile").read_text().splitlines()
    for index, line in enumerate(lines):
        match = re.match(r"^([a-z][\w-]*):(?!=)(.*)$", line)
        if match:
            recipe = lines[index + 1].strip() if index + 1 < len(lines) else ""
            targets[match.group(1)] = (match.group(2).split(), recipe)
    return targets


def ci_targets() -> set[str]:
    """The make targets .ci/run runs: named, prerequisites of those, or whose recipe is a
    script that .ci/run or a script it runs calls."""
    ci = (ROOT / ".ci" / "run").read_text()
    scripts = re.findall(r"\b(scripts/[\w.-]+)", ci)
    text = ci + "".join((ROOT / s).read_text() for s in scripts if (ROOT / s).is_file())
    targets = makefile_targets()
    covered = set(re.findall(r"\bmake ([a-z][\w-]*)", ci))
    for name, (_, recipe) in targets.items():
        script = re.search(r"\b(scripts/[\w.-]+)", recipe)
        if script and re.search(rf"{re.escape(script.group(1))}(?![\w-])", text):
            covered.add(name)
    pending = list(covered)
    while pending:
        for prerequisite in targets.get(pending.pop(), ([], ""))[0]:
            if prerequisite in targets and prerequisite not in covered:
                covered.add(prerequisite)
                pending.append(prerequisite)
    return covered


def assert_command_exists(words: list[str], where: str) -> None:
    program, *args = words
    if program == "make":
        for target in [a for a in args if not a.startswith("-")]:
            assert target in makefile_targets(), f"{where}: no make target {target}"
    elif program.endswith("python") and args[:1] == ["manage.py"]:
        assert_management_command(args[1:], where)
    elif program.endswith("python") and args:
        assert (ROOT / args[0]).is_file(), f"{where}: no {args[0]}"
    else:
        assert shutil.which(program) or (ROOT / program).is_file(), f"{where}: no {program}"


def management_parser(name: str, where: str) -> argparse.ArgumentParser:
    app = get_commands().get(name)
    assert app is not None, f"{where}: no manage.py {name}"
    return load_command_class(app, name).create_parser("manage.py", name)


def assert_management_command(args: list[str], where: str) -> None:
    name, *options = args
    management_parser(name, where).parse_args(options)  # CommandError on an unknown flag


def test_commands_that_are_not_run_here_exist_and_ci_runs_the_ci_ones() -> None:
    covered = ci_targets() | {"run"}  # `make run`: every page's test above starts with it
    for page in pages():
        for block in blocks(page):
            if block.kind not in ("ci", "manual"):
                continue
            for words in commands(block):
                assert_command_exists(words, str(block))
                if block.kind == "ci":
                    assert words[0] == "make", f"{block}: CI runs make targets: {words}"
                    assert set(words[1:]) <= covered, f"{block}: .ci/run does not run {words}"


INLINE_MAKE = re.compile(r"`(?:[A-Z0-9_]+=\S+ )*make ([a-z][\w-]*)`")
INLINE_MANAGE = re.compile(r"`(?:\.venv/bin/python )?manage\.py ([a-z_]+)([^`]*)`")


def test_commands_named_in_the_text_exist() -> None:
    targets = makefile_targets()
    for page in pages():
        text = page.read_text()
        for target in INLINE_MAKE.findall(text):
            assert target in targets, f"{page_id(page)}: `make {target}` is no target"
        for name, rest in INLINE_MANAGE.findall(text):
            where = f"{page_id(page)}: manage.py {name}"
            known = {
                flag
                for action in management_parser(name, where)._actions
                for flag in action.option_strings
            }
            for word in shlex.split(rest):
                flag = word.split("=", 1)[0]
                assert not flag.startswith("--") or flag in known, f"{where}: no {flag}"


def test_the_output_comparison_sees_a_changed_shape() -> None:
    with pytest.raises(AssertionError):
        assert_shape_like({"a": 1, "scope": "read"}, {"a": 2, "scope": "write"}, "here")
    with pytest.raises(AssertionError):
        assert_output_like('{"items": [], "next": null}', '{"items": []}', "here")
    assert_output_like('{"id": 1, "username": "a"}', '{"id": 7, "username": "a"}', "here")


LINK = re.compile(r"\]\((?!https?://)([^)#\s]*)(?:#([^)\s]+))?\)")


def anchors(page: Path) -> set[str]:
    """GitHub's ids of the page's headings."""
    found = set()
    for line in page.read_text().splitlines():
        if line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            found.add(re.sub(r"[^\w\- ]", "", title).replace(" ", "-"))
    return found


def test_links_between_the_pages_lead_somewhere() -> None:
    for page in pages():
        for target, anchor in LINK.findall(page.read_text()):
            linked = (page.parent / target).resolve() if target else page
            assert linked.exists(), f"{page_id(page)}: no {target}"
            if anchor:
                assert anchor in anchors(linked), f"{page_id(page)}: no #{anchor} in {target}"
