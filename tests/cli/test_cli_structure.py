"""The command line has one shape: every subcommand registered the same way, the check options
declared once for `check` and `ci`, one error format and one table of exit codes."""
from __future__ import annotations

import argparse

import pytest

from bgacheck import api
from bgacheck.cli import COMMANDS, ExitCode, build_parser, main, standoff as standoff_command
from bgacheck.cli.options import add_check_options


def _options(parser: argparse.ArgumentParser) -> set[str]:
    return {s for a in parser._actions for s in a.option_strings}


def _subparser(name: str) -> argparse.ArgumentParser:
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices[name]


def test_exit_codes_are_the_documented_table():
    assert [(c.name, int(c)) for c in ExitCode] == [
        ("OK", 0), ("FINDINGS", 1), ("USAGE", 2), ("NO_KICAD", 3), ("INTERNAL", 4),
        ("INTERRUPTED", 130)]
    assert api.UserError("x").code == ExitCode.USAGE


def test_every_subcommand_has_a_module_with_add_parser_and_run():
    assert [c.__name__.rsplit(".", 1)[-1] for c in COMMANDS] == ["check", "standoff", "rules",
                                                                  "ci"]
    for name in ("check", "standoff", "rules", "ci"):
        assert _subparser(name).get_default("handler") is not None, name


def test_check_and_ci_share_every_check_option():
    shared = argparse.ArgumentParser()
    add_check_options(shared)
    wanted = _options(shared) - {"-h", "--help"}
    assert wanted <= _options(_subparser("check"))
    assert wanted <= _options(_subparser("ci"))


@pytest.mark.parametrize("argv, words", [
    (["standoff", "--pkg-pad", "0.25", "--board-pad", "0.25", "--mass-g", "1"],
     "--mass-g needs --balls"),
    (["rules", "--explain", "land_diameter"], "unknown rule key 'land_diameter'"),
    (["rules", "--pitch-y", "0.8"], "--pitch-y needs --pitch"),
    (["rules", "-o", "x.kicad_dru"], "-o/--output goes with a BOARD"),
])
def test_user_errors_are_one_line_in_one_format(capsys, argv, words):
    assert main(argv) == ExitCode.USAGE
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("bga-check: error: ") and words in err


def test_usage_errors_use_the_same_format(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["check", "b.kicad_pcb", "--severity", "fatal"])
    assert exc.value.code == ExitCode.USAGE
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("bga-check: error: ")


def test_no_command_prints_help_and_exits_2(capsys):
    assert main([]) == ExitCode.USAGE
    assert "COMMAND" in capsys.readouterr().err


def test_a_bug_is_one_line_exit_4_and_a_traceback_with_debug(capsys, monkeypatch):
    def broken(args):
        raise RuntimeError("boom")

    monkeypatch.setattr(standoff_command, "run", broken)
    argv = ["standoff", "--pkg-pad", "0.25", "--board-pad", "0.25"]
    assert main(argv) == ExitCode.INTERNAL
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("bga-check: internal error: RuntimeError: boom")
    assert main(["--debug", *argv]) == ExitCode.INTERNAL
    assert "Traceback" in capsys.readouterr().err
