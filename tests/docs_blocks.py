"""The commands of README.md and docs/*.md, as tests/test_docs.py runs or checks them.

A fenced block in `sh`, `bash`, `console` or `python` is run, unless an HTML comment on the
line before it says otherwise (`<!-- docs-test: KIND -->`):

- `ci`: every command is `make TARGET` for a target that `.ci/run` runs (directly, as a
  prerequisite, or through a script it runs), or `make run`, the server these tests start;
- `values`: `NAME=value` lines standing for what `make run` printed; the test sets the real ones;
- `manual: REASON`: not run (long-running, or needs what the project does not install); each
  command must still exist (a make target, a `manage.py` command and its flags, a program);
- `compile: REASON`: a python block that is compiled, not run.

A `console` block is `$ command` lines, each followed by the output it is expected to print
(compared by shape: JSON keys and stable values, the status line and the headers shown).
"""

import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RUN_LANGUAGES = {"sh", "bash", "console", "python"}
# Fences that hold no command: output, other languages' code. Any other fence fails the test,
# so that no command hides in a block under another name (`shell`, none at all).
QUIET_LANGUAGES = {"text", "ts", "json"}
MARKER = re.compile(r"^<!--\s*docs-test:\s*(.*?)\s*-->$")
KINDS = ("ci", "values", "manual", "compile")
# The address the pages use; the tests serve on a free port and write it in its place.
DOCUMENTED_HOSTS = ("127.0.0.1:8000", "localhost:8000")


def pages() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


@dataclass(frozen=True)
class Block:
    page: Path
    line: int  # of the opening fence, 1-based
    language: str
    text: str
    marker: str | None

    @property
    def kind(self) -> str | None:
        return None if self.marker is None else self.marker.split(":", 1)[0].strip()

    @property
    def reason(self) -> str:
        return self.marker.split(":", 1)[1].strip() if self.marker and ":" in self.marker else ""

    def __str__(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line} ({self.language})"


def fences(page: Path) -> list[tuple[int, str]]:
    """The line and language of each of the page's opening fences."""
    found, inside = [], False
    for number, line in enumerate(page.read_text().splitlines(), 1):
        if line.startswith("```"):
            if not inside:
                found.append((number, line[3:].strip()))
            inside = not inside
    return found


def blocks(page: Path) -> list[Block]:
    """The page's fenced blocks in the languages that are run, in order."""
    found: list[Block] = []
    lines = page.read_text().splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        if not line.startswith("```"):
            index += 1
            continue
        language = line[3:].strip()
        end = index + 1
        while end < len(lines) and not lines[end].startswith("```"):
            end += 1
        previous = next((lines[i] for i in range(index - 1, -1, -1) if lines[i].strip()), "")
        marker = MARKER.match(previous.strip())
        if language in RUN_LANGUAGES:
            text = "\n".join(lines[index + 1 : end]) + "\n"
            found.append(Block(page, index + 1, language, text, marker and marker.group(1)))
        index = end + 1
    return found


@dataclass(frozen=True)
class Step:
    command: str
    expected: str


def console_steps(text: str) -> list[Step]:
    """`$ command` lines (a trailing backslash continues one), each with the lines up to the
    next command as its expected output."""
    steps: list[Step] = []
    command: list[str] = []
    output: list[str] = []
    continuing = False
    for line in text.splitlines():
        if continuing:
            command.append(line)
            continuing = line.endswith("\\")
        elif line.startswith("$ "):
            if command:
                steps.append(Step("\n".join(command), "\n".join(output).strip()))
            command, output = [line[2:]], []
            continuing = line.endswith("\\")
        else:
            output.append(line)
    if command:
        steps.append(Step("\n".join(command), "\n".join(output).strip()))
    return steps


def commands(block: Block) -> list[list[str]]:
    """The block's commands as words, comments and leading `NAME=value` assignments left out."""
    text = block.text
    if block.language == "console":
        text = "\n".join(step.command for step in console_steps(text))
    found = []
    for line in text.replace("\\\n", " ").splitlines():
        rest = line.strip()
        while match := re.match(r"[A-Za-z_]\w*=(\$\([^)]*\)|\"[^\"]*\"|'[^']*'|\S*)\s*", rest):
            rest = rest[match.end() :]
        words = shlex.split(rest, comments=True)
        if words:
            found.append(words)
    return found


def assignments(block: Block) -> list[str]:
    names = []
    for line in block.text.splitlines():
        if line.strip():
            match = re.fullmatch(r"([A-Za-z_]\w*)=\S*", line.strip())
            assert match, f"{block}: not a NAME=value line: {line!r}"
            names.append(match.group(1))
    return names


def on_port(text: str, port: int) -> str:
    for host in DOCUMENTED_HOSTS:
        text = text.replace(host, f"{host.split(':')[0]}:{port}")
    return text


# Values that are the same on every run, compared as such; the others by type only.
STABLE_KEYS = {
    "username", "name", "email", "scope", "token_type", "active", "detail", "msg", "loc",
    "type", "is_active", "status", "error", "first_name", "last_name",
}  # fmt: skip
ELISION = "…"


def assert_output_like(expected: str, actual: str, where: str) -> None:
    """The output matches the documented one in shape (see the module's docstring)."""
    if not expected:
        return
    actual = actual.replace("\r\n", "\n").strip()
    if expected.startswith("HTTP/"):
        head, _, body = expected.partition("\n\n")
        actual_head, _, actual_body = actual.partition("\n\n")
        status, *headers = head.splitlines()
        actual_status, *actual_headers = actual_head.splitlines()
        assert actual_status.split()[1] == status.split()[1], f"{where}: {actual_status}"
        present = {}
        for line in actual_headers:
            name, _, value = line.partition(":")
            present[name.strip().lower()] = value.strip()
        for line in headers:
            if line.startswith("("):  # "(other headers left out)"
                continue
            name, _, value = line.partition(":")
            got = present.get(name.strip().lower())
            assert got is not None, f"{where}: no {name} header in {actual_head}"
            if ELISION not in value:
                assert got == value.strip(), f"{where}: {name}: {got!r}, documented {value!r}"
        assert_output_like(body.strip(), actual_body, where)
    elif expected[0] in "{[":
        document = json.loads(actual)
        try:
            documented = json.loads(expected)
        except ValueError:  # elided with …: the keys it shows are there
            for key in re.findall(r'"(\w+)"\s*:', expected):
                assert f'"{key}"' in actual, f"{where}: no {key!r} in {actual}"
        else:
            assert_shape_like(documented, document, where)
    elif ELISION not in expected:
        assert actual == expected, f"{where}: printed {actual!r}, documented {expected!r}"


def assert_shape_like(documented: Any, actual: Any, where: str, key: str = "") -> None:
    assert type(actual) is type(documented), f"{where} {key}: {actual!r}, documented {documented!r}"
    if isinstance(documented, dict):
        assert set(actual) == set(documented), (
            f"{where}: keys {sorted(actual)} {sorted(documented)}"
        )
        for name, value in documented.items():
            assert_shape_like(value, actual[name], where, name)
    elif isinstance(documented, list):
        assert len(actual) == len(documented), (
            f"{where} {key}: {actual!r}, documented {documented!r}"
        )
        for documented_item, item in zip(documented, actual, strict=True):
            assert_shape_like(documented_item, item, where, key)
    elif key in STABLE_KEYS and not (isinstance(documented, str) and ELISION in documented):
        assert actual == documented, f"{where} {key}: {actual!r}, documented {documented!r}"
