"""``--help`` speaks to a user: what the command does and an example, not internal docs."""

from __future__ import annotations

import pytest

from briefbook import cli
from tests.conftest import run_cli

COMMANDS = [["validate"], ["build"], ["preview"], ["source"], ["source", "add"], ["locate"]]


def test_top_level_help_lists_commands_with_examples() -> None:
    done = run_cli("--help")
    assert done.returncode == 0
    assert "Build and preview the S-400 buyback briefing book" in done.stdout
    assert "examples:" in done.stdout and "python -m briefbook preview" in done.stdout
    assert cli.__doc__.splitlines()[0] not in done.stdout  # not the module's docstring
    for command in ("validate", "build", "preview", "source", "locate"):
        assert f"\n    {command} " in done.stdout


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_each_subcommand_help_has_an_example(command: list[str]) -> None:
    done = run_cli(*command, "--help")
    assert done.returncode == 0, done.stderr
    assert "example" in done.stdout
    assert f"python -m briefbook {' '.join(command)}" in done.stdout
    assert cli.__doc__.splitlines()[0] not in done.stdout
