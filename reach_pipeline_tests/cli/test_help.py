"""``reach-pipeline --help`` and each command's ``--help``, through the console script:
every option shows its default and its variable, nothing unrendered, and the bare command
lists the commands."""

from __future__ import annotations

import re

import pytest

from reach_pipeline.cli.args import build_parser
from reach_pipeline.settings import BY_FIELD, SETTINGS

pytestmark = pytest.mark.integration

COMMANDS = ("process", "import-telemetry", "status")
# Raw markup argparse or we could leave behind: %-placeholders, %%, format fields, None.
RAW = re.compile(r"%\(|%%|%s|\{\w*\}|\bNone\b")


def options_of(command: str) -> list[str]:
    """Every option string of a command's parser, from the parser itself."""
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command").choices[command]
    return [
        max(action.option_strings, key=len)
        for action in sub._actions
        if action.option_strings and action.dest != "help"
    ]


def help_entries(text: str) -> dict[str, str]:
    """Option -> its help text (the lines under "options:" joined)."""
    body = text.split("options:", 1)[1].split("\n\n", 1)[0]
    entries: dict[str, str] = {}
    current = None
    for line in body.splitlines():
        match = re.match(r"\s{2}(-{1,2}[\w-]+)(?:, (--[\w-]+))?", line)
        if match:
            current = match[2] or match[1]
            entries[current] = line[match.end() :].strip()
        elif current:
            entries[current] += " " + line.strip()
    return {k: " ".join(v.split()) for k, v in entries.items() if k != "--help"}


def test_the_bare_command_lists_the_commands(run_cli):
    code, out, err = run_cli()
    assert code == 2
    assert out == ""
    assert err == (
        "reach-pipeline: error: a command is needed: process, import-telemetry, status "
        "(reach-pipeline --help, reach-pipeline COMMAND --help)\n"
    )


def test_top_level_help(run_cli):
    code, out, err = run_cli("--help")
    assert code == 0 and err == ""
    for command in COMMANDS:
        assert re.search(rf"^\s+{command}\b", out, re.MULTILINE), out
    assert "reach-pipeline COMMAND --help" in out
    assert not RAW.search(out), RAW.search(out)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_option_shows_its_default_and_variable(command, run_cli):
    code, out, err = run_cli(command, "--help")
    assert code == 0 and err == ""
    assert not RAW.search(out), RAW.search(out)
    entries = help_entries(out)
    assert set(entries) == set(options_of(command)), (set(entries), options_of(command))
    for option, text in entries.items():
        assert re.search(r"\((?:[^()]*; )?(?:default|required|not used)[^()]*\)", text), (
            option,
            text,
        )
    for setting in SETTINGS:
        if setting.flag in entries:
            assert f"env {setting.env}" in entries[setting.flag], (setting.flag, entries)


def test_process_help_names_the_defaults(run_cli):
    _, out, _ = run_cli("process", "--help")
    entries = help_entries(out)
    assert "(default: examples/udl; env REACH_INPUT_DIR)" in entries["--input-dir"]
    assert (
        "(default: <input dir>/download_telemetry.csv; env REACH_TELEMETRY_PATH)"
        in (entries["--telemetry-file"])
    )
    assert "(default: none: no upload; env REACH_S3_BUCKET)" in entries["--s3-bucket"]
    assert "(default: off)" in entries["--dry-run"]
    # the settings without a flag are listed after the options, with their defaults
    epilog = out.split("settings without a flag, from the environment:", 1)[1]
    for field in ("processor", "process_timeout_s", "availability_warn_pct"):
        setting = BY_FIELD[field]
        assert re.search(
            rf"^\s+{setting.env}\s.*\(default: {re.escape(setting.default)}\)$",
            epilog,
            re.MULTILINE,
        ), (setting.env, epilog)


def test_a_percent_sign_in_a_help_text_is_shown_as_written():
    """argparse %-formats help strings: a bare % would crash --help or show %%."""
    from reach_pipeline.cli.args import _plain

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command").choices["process"]
    sub.add_argument("--x", help=_plain("warns below 90 % availability"))
    assert "warns below 90 % availability" in " ".join(sub.format_help().split())
