"""scripts/find-python, the Makefile's default PYTHON: the newest Python 3.11 to 3.14 that
runs, from PATH or pyenv's versions, or a clear refusal."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIND_PYTHON = ROOT / "scripts" / "find-python"
THIS_PYTHON = f"python3.{sys.version_info.minor}"


def find_python(path: str, home: Path, *versions: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 (our own script)
        ["/bin/sh", str(FIND_PYTHON), *versions],
        env={"PATH": path, "HOME": str(home)},
        capture_output=True,
        text=True,
        check=False,
    )


def version_of(python: str) -> tuple[int, int]:
    out = subprocess.run(  # noqa: S603 (the interpreter find-python printed)
        [python, "-c", "import sys; print(*sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    major, minor = out.split()
    return int(major), int(minor)


def test_it_prints_a_supported_interpreter_that_runs(tmp_path: Path) -> None:
    result = find_python(f"{Path(sys.executable).parent}:/usr/bin:/bin", tmp_path)
    assert result.returncode == 0, result.stderr
    assert (3, 11) <= version_of(result.stdout.strip()) <= (3, 14)


def test_it_finds_the_interpreter_on_path(tmp_path: Path) -> None:
    bin_dir = Path(sys.executable).parent  # this venv's bin: python3.N only
    result = find_python(str(bin_dir), tmp_path)
    assert result.stdout.strip() == str(bin_dir / THIS_PYTHON)
    assert version_of(result.stdout.strip()) == sys.version_info[:2]


def test_it_passes_over_a_name_on_path_that_does_not_run(tmp_path: Path) -> None:
    # pyenv's shim for a version the user did not select answers so.
    shims = tmp_path / "shims"
    shims.mkdir()
    shim = shims / "python3.14"
    shim.write_text('#!/bin/sh\necho "pyenv: python3.14: command not found" >&2\nexit 127\n')
    shim.chmod(0o755)
    result = find_python(f"{shims}:{Path(sys.executable).parent}", tmp_path)
    assert result.stdout.strip() == str(Path(sys.executable).parent / THIS_PYTHON)


def test_it_finds_a_pyenv_version_off_path(tmp_path: Path) -> None:
    version = "{}.{}.{}".format(*sys.version_info[:3])
    pyenv_bin = tmp_path / ".pyenv" / "versions" / version / "bin"
    pyenv_bin.mkdir(parents=True)
    (pyenv_bin / "python3").symlink_to(sys.executable)
    result = find_python(str(tmp_path / "empty"), tmp_path)
    assert result.stdout.strip() == str(pyenv_bin / "python3")


def test_asked_for_one_version_it_finds_that_one_only(tmp_path: Path) -> None:
    bin_dir = Path(sys.executable).parent
    version = "{}.{}".format(*sys.version_info[:2])
    found = find_python(str(bin_dir), tmp_path, version)
    assert found.stdout.strip() == str(bin_dir / THIS_PYTHON)
    other = "3.12" if version == "3.11" else "3.11"
    missing = find_python(str(bin_dir), tmp_path, other)
    assert missing.returncode != 0
    assert f"none of Python {other} runs here" in missing.stderr


def test_without_a_supported_interpreter_it_fails_saying_so(tmp_path: Path) -> None:
    result = find_python(str(tmp_path / "empty"), tmp_path)
    assert result.returncode != 0
    assert result.stdout == ""
    assert "none of Python 3.14 3.13 3.12 3.11 runs here" in result.stderr
    assert "PYTHON=" in result.stderr
