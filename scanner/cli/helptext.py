"""``--help`` pages from the catalogs, in the user's language (issue 14).

Every text a help page shows comes from reports/i18n/{zh,en}.yaml, Chinese by default:

- a command's description: ``cli_doc_<command>`` (``cli_doc_appaudit`` for the program,
  ``cli_doc_rules_list`` for ``rules list``); its first sentence is the command's line in
  its group's list;
- an option's help: ``cli_opt_<command>_<option>`` when the command words it its own way,
  else ``cli_opt_<option>`` (the option's long name, ``-`` as ``_``: ``cli_opt_fail_on``);
- placeholders (metavars): ``cli_mv_<name>`` for the value types (``cli_mv_text``,
  ``cli_mv_path``…), the arguments (``cli_mv_result``) and the explicit metavars
  (``NAME=FILE[,FILE]`` → ``cli_mv_name_file``);
- click's own words (``[OPTIONS]``, ``COMMAND [ARGS]...``, ``default:``, ``required``).

The language: ``--lang`` anywhere on the command line (the group's or the command's, before or
after ``--help``), else ``$APPAUDIT_LANG``, else Chinese (:func:`args_lang`). The
commands are :class:`Command` and :class:`Group`; the page's layout (widths by display
columns, CJK lines broken between characters) is :class:`scanner.cli.usage.HelpFormatter`'s.
A test renders every page in both languages and checks each option has its catalog key.
"""

from __future__ import annotations

import re
from typing import Any

import click

from scanner.messages import catalog, render

#: options click adds itself → their catalog key
OWN_OPTIONS = {"help": "help_help", "version": "help_version"}


def command_key(ctx: click.Context) -> str:
    """``appaudit batch-report`` → ``batch_report``; the program itself → ``appaudit``."""
    parts = ctx.command_path.split()[1:] or ["appaudit"]
    return "_".join(parts).replace("-", "_")


def option_name(param: click.Parameter) -> str:
    """An option's long name as its catalog keys spell it: ``--fail-on`` → ``fail_on``."""
    longs = [o for o in param.opts if o.startswith("--")] or list(param.opts)
    return longs[0].lstrip("-").replace("-", "_")


def option_keys(ctx: click.Context, param: click.Parameter) -> tuple[str, ...]:
    """The catalog keys an option's help is looked up by, most particular first."""
    name = option_name(param)
    if name in OWN_OPTIONS:
        return (OWN_OPTIONS[name],)
    return (f"cli_opt_{command_key(ctx)}_{name}", f"cli_opt_{name}")


def option_key(ctx: click.Context, param: click.Parameter) -> str | None:
    """The catalog key of an option's help (in both catalogs), or None."""
    zh, en = catalog("zh"), catalog("en")
    return next((k for k in option_keys(ctx, param) if k in zh and k in en), None)


def help_values() -> dict[str, Any]:
    """Values the help texts quote from the code (so the text cannot drift from it)."""
    from scanner.bundle.bundle import MAX_INPUT_BYTES
    from scanner.report import FORMATS

    return {"formats": ", ".join(sorted(FORMATS)), "max_input_mib": MAX_INPUT_BYTES >> 20}


def args_lang(args: list[str] | tuple[str, ...]) -> str:
    """The --lang the command line asks for, else $APPAUDIT_LANG, else zh (also when not
    zh/en): errors and help pages are said in it even when they stop the command before its
    options are read (``appaudit scan --help --lang en``)."""
    import os

    lang = os.environ.get("APPAUDIT_LANG", "zh")
    for i, a in enumerate(args):
        if a == "--":
            break
        if a == "--lang" and i + 1 < len(args):
            lang = args[i + 1]
        elif a.startswith("--lang="):
            lang = a.partition("=")[2]
    return lang if lang in ("zh", "en") else "zh"


def lang_of(ctx: click.Context) -> str:
    """The language of the command line ``ctx`` belongs to."""
    return args_lang(ctx.meta.get("appaudit.args") or ())


def t(key: str, lang: str, **params: Any) -> str:
    return render(key, params, lang)


def metavar_key(text: str) -> str:
    """``NAME=FILE[,FILE]`` → ``cli_mv_name_file``; ``INTEGER RANGE`` → ``cli_mv_integer``;
    ``RESULT`` → ``cli_mv_result``."""
    text = text.lower().replace(" range", "")
    words = [w for w in re.split(r"[^a-z0-9]+", text) if w]
    seen: list[str] = []
    for w in words:  # FILE[,FILE]: once
        if w not in seen:
            seen.append(w)
    return "cli_mv_" + "_".join(seen)


def metavar(param: click.Parameter, ctx: click.Context, lang: str) -> str:
    """The placeholder of an option's value or of an argument, in ``lang``; a choice's
    values (``[zh|en]``) as they are typed."""
    if param.metavar is not None:
        base = param.metavar
    else:
        base = param.type.get_metavar(param=param, ctx=ctx) or ""
        if base:  # a choice: its values
            return base + ("..." if param.nargs != 1 else "")
        base = param.name.upper() if isinstance(param, click.Argument) else \
            param.type.name.upper()
    key = metavar_key(base)
    text = t(key, lang) if key in catalog(lang) else base
    if isinstance(param, click.Argument) and not param.required:
        text = f"[{text}]"
    return text + ("..." if param.nargs != 1 else "")


def help_record(param: click.Parameter, ctx: click.Context, lang: str) -> tuple[str, str] | None:
    """An option's line of the help page: its names and placeholder, its help from the
    catalogs and click's extras (default, range, required) in ``lang``."""
    if not isinstance(param, click.Option) or param.hidden:
        return None
    from click.formatting import join_options

    names, _ = join_options(param.opts)
    if not param.is_flag and not param.count:
        names += " " + metavar(param, ctx, lang)
    key = option_key(ctx, param)
    text = t(key, lang, **help_values()) if key else ""
    extra = param.get_help_extra(ctx)
    items = []
    if "envvars" in extra:
        items.append(t("help_envvar", lang, var=", ".join(extra["envvars"])))
    if "default" in extra:
        value = extra["default"]
        if callable(param.default):  # a default read at run time (the language)
            value = str(param.get_default(ctx, call=True))
        items.append(t("help_default", lang, value=value))
    if "range" in extra:
        items.append(extra["range"])
    if "required" in extra:
        items.append(t("help_required", lang))
    if items:
        bracket = t("help_extra", lang, items=t("list_sep_long", lang).join(items))
        text = f"{text}  {bracket}" if text else bracket
    return names, text


class _Local:
    """What :class:`Command` and :class:`Group` share: the help page from the catalogs."""

    def doc(self, ctx: click.Context, lang: str) -> str:
        key = f"cli_doc_{command_key(ctx)}"
        return t(key, lang) if key in catalog(lang) else ""

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        text = self.doc(ctx, lang_of(ctx))
        if text:
            formatter.write_paragraph()
            with formatter.indentation():
                formatter.write_text(text)

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        lang = lang_of(ctx)
        rows = [r for p in self.get_params(ctx) if (r := help_record(p, ctx, lang))]
        if rows:
            with formatter.section("Options"):
                formatter.write_dl(rows)
        if isinstance(self, click.Group):
            self.format_commands(ctx, formatter)

    def collect_usage_pieces(self, ctx: click.Context) -> list[str]:
        lang = lang_of(ctx)
        rv = [t("help_options_metavar", lang)]
        rv += [metavar(p, ctx, lang) for p in self.get_params(ctx)
               if isinstance(p, click.Argument)]
        if isinstance(self, click.Group):
            rv.append(t("help_command_metavar", lang))
        return rv


def short_help(text: str, lang: str, limit: int) -> str:
    """The first sentence of a description, cut to ``limit`` display columns."""
    from scanner.messages import display_width

    first = re.split(r"(?<=。)|(?<=\.)\s", text.strip(), maxsplit=1)[0].strip()
    if display_width(first) <= limit:
        return first
    out = ""
    for ch in first:
        if display_width(out + ch + "…") > limit:
            break
        out += ch
    return out.rstrip() + "…"


class Command(_Local, click.Command):
    """A command whose help page is in the user's language."""


class Group(_Local, click.Group):
    """A group whose help page (and its commands' lines) is in the user's language."""

    command_class = Command
    group_class = type

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        lang = lang_of(ctx)
        rows = []
        names = list(self.list_commands(ctx))
        width = max((len(n) for n in names), default=0)
        for name in names:
            cmd = self.get_command(ctx, name)
            if cmd is None or cmd.hidden:
                continue
            sub = click.Context(cmd, info_name=name, parent=ctx)
            text = cmd.doc(sub, lang) if isinstance(cmd, _Local) else (cmd.help or "")
            rows.append((name, short_help(text, lang, formatter.width - 6 - width)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def default_lang() -> str:
    """``--lang``'s default: the group's ``--lang`` (``appaudit --lang en scan …``), else
    ``$APPAUDIT_LANG`` (zh or en), else zh."""
    import os

    ctx = click.get_current_context(silent=True)
    parent = ctx.parent if ctx is not None else None
    while parent is not None:
        value = parent.params.get("lang")
        if value in ("zh", "en"):
            return value
        parent = parent.parent
    env = os.environ.get("APPAUDIT_LANG", "")
    return env if env in ("zh", "en") else "zh"


#: ``@click.option("--lang", **LANG_OPTION)``: every command's and group's --lang
LANG_OPTION: dict[str, Any] = {"type": click.Choice(["zh", "en"]), "default": default_lang,
                               "show_default": True}
