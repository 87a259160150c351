"""The ``appaudit`` command line: a click group of thin commands.

Commands parse options, call the library, write outputs and map typed
errors to exit codes (the only place that exits):
0 ran, nothing at or above ``--fail-on``; 1 findings at or above ``--fail-on``;
2 usage; 3 bad input; 4 ruleset error; 5 internal error (a bug in appaudit, never the
user's input: one line, the traceback with ``--debug``).
"""

from __future__ import annotations

import re
import sys
import traceback

import click

from scanner import __version__
from scanner.cli.helptext import LANG_OPTION, Group, args_lang, lang_of
from scanner.errors import AppauditError, InputError, RulesetError, UsageError
from scanner.messages import msg, render

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INPUT, EXIT_RULESET, EXIT_INTERNAL = 0, 1, 2, 3, 4, 5


# command name -> module of scanner/cli that defines it (in its COMMANDS list). Modules are
# imported only when their command runs, so `appaudit scan` never loads pandas or scipy.
# A new command: add its module and one line here (a test checks the two agree).
COMMAND_MODULES = {
    "scan": "scan_cmd",
    "sdks": "sdks_cmd",
    "traffic": "traffic_cmd",
    "pricing": "pricing_cmd",
    "batch": "batch_cmd",
    "batch-report": "batch_cmd",
    "report": "report_cmd",
    "diff": "diff_cmd",
    "bundle": "bundle_cmd",
    "verify": "bundle_cmd",
    "keys": "bundle_cmd",
    "rules": "rules_cmd",
    "serve": "serve_cmd",
    "runtime": "runtime_cmd",
    "hooks": "runtime_cmd",
    "policy": "policy_cmd",
}


class AppauditContext(click.Context):
    """A click context whose help pages are framed in the command line's --lang."""

    def make_formatter(self) -> click.HelpFormatter:
        from scanner.cli.usage import HelpFormatter

        return HelpFormatter(_lang(self.meta.get("appaudit.args") or ()),
                             width=self.terminal_width, max_width=self.max_content_width)


def _in_context(command: click.Command) -> click.Command:
    """``command`` (and a group's subcommands) with :class:`AppauditContext`."""
    command.context_class = AppauditContext
    for sub in getattr(command, "commands", {}).values():
        _in_context(sub)
    return command


class AppauditGroup(Group):
    """A click group that loads commands lazily and turns typed errors into one line and an
    exit code; click's usage errors too, in the command line's --lang
    (:mod:`scanner.cli.usage`). Its help page is from the catalogs
    (:mod:`scanner.cli.helptext`)."""

    context_class = AppauditContext

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMAND_MODULES)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        module = COMMAND_MODULES.get(name)
        if module is None:
            return None
        import importlib

        mod = importlib.import_module(f"scanner.cli.{module}")
        command = next((c for c in mod.COMMANDS if c.name == name), None)
        return _in_context(command) if command is not None else None

    def make_context(self, info_name: str | None, args: list[str],
                     parent: click.Context | None = None, **extra) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.ClickException as e:  # the group's own options: `appaudit --nope`
            raise _said(e, _lang(args), "appaudit") from None

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta["appaudit.args"] = list(args)  # to say errors in the command's --lang
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context):
        lang = _lang(ctx.meta.get("appaudit.args") or ())
        try:
            return super().invoke(ctx)
        except click.ClickException as e:  # a usage error: said in the language
            command = " ".join(x for x in (ctx.command_path, ctx.invoked_subcommand) if x)
            raise _said(e, lang, command) from None
        except InputError as e:
            _fail(e.render(lang), EXIT_INPUT, lang)
        except RulesetError as e:
            _fail(render("err_ruleset", {"message": e.render(lang)}, lang), EXIT_RULESET, lang)
        except UsageError as e:
            _fail(e.render(lang), EXIT_USAGE, lang)
        except AppauditError as e:
            _fail(e.render(lang), EXIT_INPUT, lang)
        except MemoryError:
            _fail(render("err_out_of_memory", {}, lang), EXIT_INPUT, lang)
        except (click.Abort, KeyboardInterrupt, EOFError):  # Ctrl-C, or a prompt's end
            click.echo(render("cli_aborted", {}, lang), err=True)  # as click, in the language
            sys.exit(1)
        except (click.exceptions.Exit, SystemExit):
            raise
        except RecursionError:
            _fail(render("err_too_deep", {}, lang), EXIT_INPUT, lang)
        except Exception as e:  # a bug, never blamed on the input: exit 5
            debug = bool(ctx.obj and ctx.obj.get("debug"))
            if debug:
                traceback.print_exc()
            hint = msg("err_internal_hint") if not debug else ""
            _fail(render("err_internal", {"hint": hint,
                                          "detail": f"{type(e).__name__}: {str(e)[:200]}"},
                         lang), EXIT_INTERNAL, lang)


# characters a terminal line must not carry raw (messages quote hostile input: a SQLite
# error quotes the damaged schema's bytes, a file name may hold anything): C0/C1 controls
# (ESC sequences; \x1c-\x1e and \x85 also end a line for str.splitlines), line and paragraph
# separators, bidirectional overrides and isolates (they reorder what is shown)
_NOT_SHOWN_RAW = re.compile("[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029"
                            "\u202a-\u202e\u2066-\u2069]")


def terminal_line(text: str) -> str:
    """``text`` as one terminal line: line breaks and tabs become spaces, the other
    characters of ``_NOT_SHOWN_RAW`` their escape (\\x1b, \\u202e)."""
    text = re.sub(r"[\t\n\r]", " ", text)
    return _NOT_SHOWN_RAW.sub(
        lambda m: f"\\x{ord(m[0]):02x}" if ord(m[0]) < 0x100 else f"\\u{ord(m[0]):04x}", text)


def _said(error: click.ClickException, lang: str, command: str) -> click.ClickException:
    """A click usage error as one line in ``lang`` (:mod:`scanner.cli.usage`); errors
    said already and a group's help page (``appaudit rules``) as they are."""
    from scanner.cli.usage import SaidError, passes_through, usage_line

    if passes_through(error):
        return error
    return SaidError(terminal_line(usage_line(error, lang, command)), error.exit_code)


_lang = args_lang  # the --lang of a command line (scanner.cli.helptext)


def _fail(message: str, code: int, lang: str = "zh") -> None:
    """One line on stderr (appaudit: error: …, in ``lang``) and the exit code."""
    click.echo(terminal_line(render("err_line", {"message": message}, lang)), err=True)
    sys.exit(code)


def _version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(render("cli_version_line", {"version": __version__}, lang_of(ctx)))
        ctx.exit()


@click.group(cls=AppauditGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_version)
@click.option("--lang", **LANG_OPTION)
@click.option("--debug", is_flag=True, hidden=True)
@click.pass_context
def cli(ctx: click.Context, lang: str, debug: bool) -> None:
    """appaudit: the app privacy and algorithm audit scanner (help text: cli_doc_appaudit)."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


#: Commands whose process audits one APK and exits.
ONE_APK_COMMANDS = frozenset({"scan", "sdks"})


def _one_apk(args: list[str]) -> bool:
    """Whether these arguments run one APK audit without traffic (``scan`` without
    ``--flows``, ``sdks``)."""
    args = list(args)
    while args and args[0] == "--lang" and len(args) > 1:  # appaudit --lang en scan …
        args = args[2:]
    command = next((a for a in args if not a.startswith("-")), None)
    if command not in ONE_APK_COMMANDS:
        return False
    return not any(a == "--flows" or a.startswith("--flows=") for a in args)


def main() -> None:
    """Console-script entry point.

    For a one-APK audit the cyclic garbage collector is switched off: the scan allocates
    some 160,000 container objects but leaves almost no reference cycles (754 objects on
    InsecureBankv2.apk), while the collector's passes over the loaded rulesets, SDK
    catalogue and dex tables cost 60-75 ms, about 12 % of the scan. Reference counting
    still frees everything else. Commands that stream captures (``--flows``, ``traffic``)
    or run many inputs keep it.

    numpy's OpenBLAS starts a thread per core when numpy is first imported, which costs
    some 60 ms of CPU per run on two cores (more on larger machines). No command does
    linear algebra on matrices large enough to gain from those threads, so the pool is
    one thread unless the user set ``OPENBLAS_NUM_THREADS`` (set before numpy loads:
    no module imported so far loads it).
    """
    import os
    import signal

    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

    if hasattr(signal, "SIGPIPE"):  # `appaudit … | head` ends quietly, as Unix tools do
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    if _one_apk(sys.argv[1:]):
        import gc

        gc.disable()
    cli(prog_name="appaudit")


def entry() -> None:
    """The ``appaudit`` console script and ``python -m scanner``: :func:`main`, and after a
    one-APK audit the process ends without freeing its heap object by object.

    By then the outputs are written and closed; what is left is the interpreter's
    teardown, which releases the dex tables, the analyses' summaries and every loaded
    module one object at a time: about 0.15 CPU s of a scan of the 30 MB-dex benchmark
    APK. The exit handlers still run (``atexit``: logging's flush, temporary files) and
    the standard streams are flushed; the exit code is the command's. Under a profiler or
    a tracer (cProfile, coverage), whose reports are written at teardown, the process
    ends as usual, and so does any other command.
    """
    one_apk = _one_apk(sys.argv[1:])
    try:
        main()
    except SystemExit as e:
        if not one_apk or sys.getprofile() is not None or sys.gettrace() is not None:
            raise
        _end_process(e.code)


def _end_process(code: object) -> None:
    """End the process now with ``SystemExit(code)``'s status (None: 0; an int: itself;
    anything else is printed to stderr: 1), after the exit handlers and a flush."""
    import atexit
    import os

    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:
        print(code, file=sys.stderr)
        status = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe or stream: nothing more to say
            pass
    os._exit(status & 0xFF)
