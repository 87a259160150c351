"""click's usage errors and the help pages' framing in the user's language (issue 14).

A mistyped command line gets one line, ``appaudit：错误：…`` in Chinese by default and
``appaudit: error: …`` with --lang en, exit 2 as click gives it (README's exit-code table),
instead of click's English usage block. The option names, values and choices typed are data,
shown as given; the rest comes from the catalogs (checked as every command's output is)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from click.testing import CliRunner

from scanner.cli import cli
from tests.cli.test_every_command_language import _check
from tests.conftest import FIXTURE_APKS, REPO

APK = str(FIXTURE_APKS / "clean.apk")

# (what, arguments; --lang goes first so that no option takes it as its value,
#  the Chinese line and the English line: by hand from the catalogs' err_line, err_usage
#  and usage_* entries, with click's option hints and values)
CASES = [
    ("no such option", ["scan", APK, "--nope"],
     "appaudit：错误：没有选项 '--nope'；是否想用 '--no-leaks'？（用法见 appaudit scan --help）",
     "appaudit: error: no such option '--nope'; did you mean '--no-leaks'? "
     "(see appaudit scan --help)"),
    ("missing argument", ["scan"],
     "appaudit：错误：缺少参数 'APK'（用法见 appaudit scan --help）",
     "appaudit: error: missing argument 'APK' (see appaudit scan --help)"),
    ("bad choice", ["scan", APK, "--fail-on", "severe"],
     "appaudit：错误：'--fail-on' 的值无效：'severe' 不是以下之一：'info', 'low', 'medium', "
     "'high', 'critical'（用法见 appaudit scan --help）",
     "appaudit: error: invalid value for '--fail-on': 'severe' is not one of 'info', 'low', "
     "'medium', 'high', 'critical' (see appaudit scan --help)"),
    ("not a number", ["batch", APK, "--jobs", "many"],
     "appaudit：错误：'--jobs' / '-j' 的值无效：'many' 不是整数（用法见 appaudit batch --help）",
     "appaudit: error: invalid value for '--jobs' / '-j': 'many' is not a whole number "
     "(see appaudit batch --help)"),
    ("out of range", ["batch", APK, "--jobs", "0"],
     "appaudit：错误：'--jobs' / '-j' 的值无效：0 不在范围 1<=x<=256 内（用法见 appaudit batch "
     "--help）",
     "appaudit: error: invalid value for '--jobs' / '-j': 0 is not in the range 1<=x<=256 "
     "(see appaudit batch --help)"),
    ("option without its value", ["scan", APK, "--out"],
     "appaudit：错误：选项 '--out' 需要一个值（用法见 appaudit scan --help）",
     "appaudit: error: option '--out' needs a value (see appaudit scan --help)"),
    ("no such command", ["scna", APK],
     "appaudit：错误：没有命令 'scna'（用法见 appaudit --help）",
     "appaudit: error: no such command 'scna' (see appaudit --help)"),
    ("no such subcommand", ["rules", "shwo"],
     "appaudit：错误：没有命令 'shwo'；是否想用 'show'？（用法见 appaudit rules --help）",
     "appaudit: error: no such command 'shwo'; did you mean 'show'? "
     "(see appaudit rules --help)"),
    ("group option", ["--nope", "scan", APK],
     "appaudit：错误：没有选项 '--nope'（用法见 appaudit --help）",
     "appaudit: error: no such option '--nope' (see appaudit --help)"),
]


@pytest.mark.parametrize(("what", "args", "zh", "en"), CASES, ids=[c[0] for c in CASES])
def test_usage_errors_in_each_language(what, args, zh, en):
    for lang, expected in (("zh", zh), ("en", en)):
        # for zh no --lang (the default); for en right after the command (an option
        # waiting for its value would take it), or last where the group stops first
        group_stops = args[0] in ("--nope", "scna", "rules")
        argv = args if lang == "zh" else [*args, "--lang", "en"] if group_stops \
            else [args[0], "--lang", "en", *args[1:]]
        res = CliRunner().invoke(cli, argv, prog_name="appaudit")
        assert res.exit_code == 2, (what, res.output)
        lines = [x for x in res.stderr.splitlines() if x.strip()]
        assert lines == [expected], (what, res.stderr)
        assert "Usage:" not in res.output and "Error:" not in res.output
        # values and names typed are data; the words around them are the language's
        # (and the command to ask for help)
        line = re.sub(r"'[^']*'|\d+<=x<=\d+|appaudit(?: [a-z][\w-]*)* --help", " ", lines[0])
        line = line.replace("appaudit", " ")
        _check(line, lang, what, [])


def test_the_group_option_in_english():
    # `appaudit --nope --lang en`: the group's own parse fails; --lang still read
    res = CliRunner().invoke(cli, ["--nope", "--lang", "en"], prog_name="appaudit")
    assert res.exit_code == 2
    assert res.stderr.strip() == "appaudit: error: no such option '--nope' (see appaudit --help)"


def test_the_real_console_line():
    # the console script's process: one line on stderr, exit 2, nothing on stdout
    proc = subprocess.run([sys.executable, "-m", "scanner", "scan", APK, "--fail-on", "x"],
                          capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.splitlines() == [
        "appaudit：错误：'--fail-on' 的值无效：'x' 不是以下之一：'info', 'low', 'medium', "
        "'high', 'critical'（用法见 appaudit scan --help）"]


@pytest.mark.parametrize(("lang", "usage", "options", "help_line"), [
    ("zh", "用法：appaudit scan [选项] APK", "选项：", "显示此帮助并退出。"),
    ("en", "Usage: appaudit scan [OPTIONS] APK", "Options:", "Show this message and exit."),
])
def test_help_framing_in_each_language(lang, usage, options, help_line):
    res = CliRunner().invoke(cli, ["scan", "--lang", lang, "--help"], prog_name="appaudit")
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert lines[0] == usage and options in lines
    assert any(ln.strip().startswith("-h, --help") and ln.strip().endswith(help_line)
               for ln in lines), res.output
    # `rules` alone shows the group's page (click's behaviour, exit 2) in the language
    res = CliRunner().invoke(cli, ["rules"], env={"APPAUDIT_LANG": lang})
    head = ("命令：", "选项：") if lang == "zh" else ("Commands:", "Options:")
    assert all(h in res.output.splitlines() for h in head), res.output
