"""Every ``--help`` page in the user's language (issue 14): Chinese by default, English with
``--lang en`` (the group's or the command's, before or after ``--help``) or with
``$APPAUDIT_LANG=en``.

Each page of every command and group is rendered in both languages. The Chinese page may
show no English word but the code tokens a Chinese analyst types or reads as they are
(option names, choice values, file and format names, commands in backticks, environment
variables, acronyms; the allow-lists below); the English page no Chinese character. Every
option of every command has its help in both catalogs, so a new option without a
translation fails here, and the columns line up by display width (a CJK character takes
two columns)."""

from __future__ import annotations

import re

import click
import pytest
from click.testing import CliRunner

from scanner.cli import cli
from scanner.cli.common import display_width
from scanner.cli.helptext import Command, Group, command_key, option_key
from scanner.messages import catalog
from tests.report.test_every_label import CJK, ZH_LATIN


def _paths() -> list[list[str]]:
    """Every command and group, as the words typed before --help."""
    out: list[list[str]] = [[]]
    root = click.Context(cli, info_name="appaudit")

    def walk(group: click.Group, ctx: click.Context, path: list[str]) -> None:
        for name in group.list_commands(ctx):
            sub = group.get_command(ctx, name)
            out.append([*path, name])
            if isinstance(sub, click.Group):
                walk(sub, click.Context(sub, info_name=name, parent=ctx), [*path, name])

    walk(cli, root, [])
    return out


PATHS = _paths()

# code tokens a Chinese help page shows as they are: format and product names, acronyms,
# units (beside the report's allow-list ZH_LATIN)
ZH_HELP_LATIN = ZH_LATIN | {
    "YAML", "PDF", "SQLite", "Frida", "REST", "MB", "MiB", "GB", "CPU", "RLIMIT_AS",
    "Asia", "Shanghai", "Lines", "Word", "dask", "distributed", "tcp", "host", "zip", "pub",
    "html", "pdf", "sarif", "csv", "xlsx", "docx", "parquet", "zh", "en", "NAME", "SHA",
}


def _help(args: list[str], env: dict[str, str] | None = None) -> str:
    res = CliRunner().invoke(cli, args, prog_name="appaudit", env=env)
    assert res.exit_code == 0, (args, res.output)
    return res.output


def _zh_words(page: str) -> list[str]:
    """The English words a Chinese page shows outside the code tokens."""
    # commands and field names in backticks, option names, choices and defaults (values
    # typed as they are), paths and file names, environment variables, the command typed
    text = re.sub(r"`[^`]*`", " ", page)
    text = re.sub(
        r"--?[\w-]+|\[[\w|]+\]|\bAPPAUDIT_\w+|\S*/\S*|[\w.*<>-]+\.[a-z]+\b|"
        r"默认：[^\]]*\]|\b[A-Z]+_[A-Z_]+\b|\bEd25519\b|^用法：appaudit(?: [a-z][\w-]*)*|"
        r"\bappaudit\b|\b[a-z]+_[a-z_]+=\w+|^  [a-z][\w-]*(?=  )", " ", text, flags=re.M)
    return sorted(set(re.findall(r"[A-Za-z]{2,}", text)) - ZH_HELP_LATIN)


@pytest.mark.parametrize("path", PATHS, ids=[" ".join(p) or "appaudit" for p in PATHS])
def test_help_page_in_each_language(path):
    zh = _help([*path, "--help"])
    assert zh.startswith(f"用法：appaudit{''.join(' ' + p for p in path)} [选项]"), zh
    assert "选项：" in zh and "显示此帮助并退出。" in zh
    assert not _zh_words(zh), (path, _zh_words(zh), zh)
    # English: --lang after --help (an eager handling reads the whole line), before it,
    # from the group, and from the environment
    for args, env in (([*path, "--help", "--lang", "en"], None),
                      ([*path, "--lang", "en", "--help"], None),
                      (["--lang", "en", *path, "--help"], None),
                      ([*path, "--help"], {"APPAUDIT_LANG": "en"})):
        en = _help(args, env)
        assert not CJK.findall(en), (args, sorted(set(CJK.findall(en))), en)
        assert en.startswith(f"Usage: appaudit{''.join(' ' + p for p in path)} [OPTIONS]")
        assert "Options:" in en and "Show this message and exit." in en
    # --lang zh wins over the environment (which is --lang's default then, as it says)
    over = _help([*path, "--help", "--lang", "zh"], {"APPAUDIT_LANG": "en"})
    assert over.replace("[默认：en]", "[默认：zh]") == zh


@pytest.mark.parametrize("path", PATHS, ids=[" ".join(p) or "appaudit" for p in PATHS])
def test_every_option_and_command_has_its_text_in_both_catalogs(path):
    ctx = click.Context(cli, info_name="appaudit")
    command: click.Command = cli
    for name in path:
        command = command.get_command(ctx, name)  # type: ignore[union-attr]
        ctx = click.Context(command, info_name=name, parent=ctx)
    assert isinstance(command, (Command, Group)), path  # the help page from the catalogs
    doc = f"cli_doc_{command_key(ctx)}"
    assert doc in catalog("zh") and doc in catalog("en"), doc
    for param in command.get_params(ctx):
        if not isinstance(param, click.Option) or param.hidden:
            continue
        assert option_key(ctx, param) is not None, (path, param.opts)
        # the text lives in the catalogs only (a help= in code would be English alone)
        assert param.help is None or param.name in ("help",), (path, param.opts)


def test_a_new_option_without_a_translation_is_found():
    # the check above is not vacuous: an option the catalogs do not know has no key
    @click.command("scan", cls=Command)
    @click.option("--brand-new-option")
    def fake(brand_new_option):
        pass

    ctx = click.Context(fake, info_name="scan", parent=click.Context(cli, info_name="appaudit"))
    param = next(p for p in fake.params if p.name == "brand_new_option")
    assert option_key(ctx, param) is None


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_columns_line_up_by_display_width(lang):
    page = _help(["scan", "--help", "--lang", lang])
    lines = page.splitlines()
    start = lines.index("选项：" if lang == "zh" else "Options:") + 1
    columns = set()
    for line in lines[start:]:
        assert display_width(line) <= 80, line
        m = re.match(r"(  \S.*?  +)(\S)", line)
        if m and not line.strip().startswith("--fail-on"):
            columns.add(display_width(m[1]))
        elif line.startswith(" " * 20):  # a wrapped help line: same column
            columns.add(len(line) - len(line.lstrip(" ")))
    assert len(columns) == 1, (columns, page)
    if lang == "zh":  # a Chinese metavar counts two columns a character
        assert any(re.match(r"  --category 文本 +\S", ln) for ln in lines)


def test_usage_error_names_the_argument_in_the_language():
    res = CliRunner().invoke(cli, ["report"], prog_name="appaudit")
    assert res.exit_code == 2
    assert res.stderr.strip() == \
        "appaudit：错误：缺少参数 '结果文件'（用法见 appaudit report --help）"
    res = CliRunner().invoke(cli, ["report", "--lang", "en"], prog_name="appaudit")
    assert res.stderr.strip() == "appaudit: error: missing argument 'RESULT' " \
                                 "(see appaudit report --help)"


@pytest.mark.parametrize(("args", "env", "line"), [
    (["--version"], None, "appaudit，版本 "),
    (["--lang", "en", "--version"], None, "appaudit, version "),
    (["--version"], {"APPAUDIT_LANG": "en"}, "appaudit, version "),
])
def test_version_in_each_language(args, env, line):
    assert _help(args, env).startswith(line)


def test_the_group_lang_is_the_commands_default(tmp_path):
    # `appaudit --lang en rules list` and `appaudit rules --lang en list`: English lines
    for args in (["--lang", "en", "rules", "list"], ["rules", "--lang", "en", "list"]):
        out = _help(args)
        assert "PRIV-" in out and not CJK.findall(out), out[:300]
    out = _help(["rules", "list"], {"APPAUDIT_LANG": "en"})
    assert not CJK.findall(out)
    assert CJK.findall(_help(["rules", "list"]))  # Chinese by default


@pytest.mark.parametrize(("lang", "prompts", "aborted"), [
    ("zh", "请输入口令：", "已中止。"),
    ("en", "Passphrase: ", "Aborted!"),
])
def test_passphrase_prompt_and_abort_in_each_language(tmp_path, monkeypatch, lang, prompts,
                                                      aborted):
    monkeypatch.setenv("APPAUDIT_KEYS_DIR", str(tmp_path))
    monkeypatch.delenv("APPAUDIT_KEY_PASSPHRASE", raising=False)
    # two different passphrases, then the input ends: asked again in the language, then
    # the abort said in it (exit 1 as click gives it)
    res = CliRunner().invoke(cli, ["keys", "generate", "--analyst", "a", "--passphrase",
                                   "--lang", lang], input="one\ntwo\n", prog_name="appaudit")
    assert res.exit_code == 1, res.output
    differ = "两次输入的口令不一致，请重新输入。" if lang == "zh" else \
        "The two passphrases differ; enter it again."
    assert prompts in res.stderr and differ in res.stderr, res.stderr
    assert res.stderr.rstrip().endswith(aborted), res.stderr
    assert "Error" not in res.output and "Repeat for confirmation" not in res.output
