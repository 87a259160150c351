"""The per-APK worker process: ``python -m scanner.batch.child REQUEST.json`` (a fresh
interpreter) or ``warm_main(REQUEST.json)`` in a process forked from a warm server
(scanner.batch.server with scanner.batch.warm: interpreter and rules loaded once, each APK
still in its own process).

Contract: the parent (scanner.batch.isolate) writes a request JSON
``{"apk": path, "category": id|null, "packages": {package: id}, "max_memory_mb": int,
"result": path, "meta": path}`` and optionally ``"flows"``, ``"policy"``, ``"runtime"``: [path]
(analysed with the APK, as ``appaudit scan --flows/--policy/--runtime``). The child loads
the rules, sets RLIMIT_AS to
``max_memory_mb`` (0 = none; set after the interpreter and the rules are loaded, so the limit
is on the whole address space of the process at scan time), runs the normal pipeline
(``scanner.engine.run`` + ``scanner.report.json.result_document``), writes the result.json
text zlib-compressed to ``result`` and then, last, a meta JSON to ``meta``:
``{"status": "ok"|"input_error"|"ruleset_error"|"memory"|"crash", "error": one line|null,
"peak_rss_kb": int, "cpu_seconds": float, "seconds": float, "category": id|null,
"row": summary columns}``
(scanner.batch.summary.summary_row, computed here so the parent never parses the result).
A meta file that is missing means the process died before it could say why; the parent then
classifies the exit (signal, exit code) itself. When a package map is given and the file name
gave no category, the manifest is read first to look the package up (one extra manifest read).
The child asks the kernel to kill it if its parent dies (Linux PR_SET_PDEATHSIG).
"""

from __future__ import annotations

import gc
import json
import os
import resource
import signal
import sys
import time
import zlib
from pathlib import Path

from scanner.batch.status import BatchStatus
from scanner.messages import msg


def _die_with_parent() -> None:
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the parent's kill is the only guard
        pass


def _out_of_memory(e: BaseException) -> bool:
    """True for errors that are the address-space limit in disguise."""
    text = str(e)
    return isinstance(e, (ImportError, OSError)) and (
        "failed to map segment" in text or "Cannot allocate memory" in text)


def _one_line(text: str, limit: int = 300) -> str:
    return " ".join(str(text).split())[:limit]


def _write_json(path: str, obj: dict) -> None:
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(obj, fh, ensure_ascii=False)
    os.replace(tmp, path)


def _peak_kb() -> int:
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def main(argv: list[str]) -> int:
    """Fresh-interpreter entry: load everything, run one request, write its meta file."""
    _die_with_parent()
    t0 = time.monotonic()
    req = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    try:
        from scanner.batch import warm  # the same preloaded state as a warm server's

        rules, error = warm.RULES, warm.ERROR
    except MemoryError:
        return _finish(req, _failed(BatchStatus.MEMORY, msg("batch_oom_starting"),
                                    category=req.get("category")), t0)
    return execute(req, rules, error, t0)


def warm_main(request_path: str) -> None:
    """Entry in a process forked from the warm server (rules already loaded)."""
    _die_with_parent()
    t0 = time.monotonic()
    from scanner.batch import warm

    req = json.loads(Path(request_path).read_text(encoding="utf-8"))
    if req.get("log"):  # the server's stdout/stderr are the batch's: keep scan noise out
        fd = os.open(req["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.close(fd)
    execute(req, warm.RULES, warm.ERROR, t0)


def _failed(status: str, message: dict, **meta) -> dict:
    """Meta fields of a scan that ended with ``status``: the message (scanner.messages) in
    ``error_msg``; :func:`_finish` adds its English text, on one line, as ``error`` (the
    column batch databases and tools have always had) once the memory limit is lifted
    (the catalogs may not be loaded yet)."""
    return {**meta, "status": status, "error": None, "error_msg": message}


def execute(req: dict, rules, rules_error: dict | str | None, t0: float) -> int:
    """Run one request with loaded rules; always ends by writing the meta file
    (``rules_error``: why the rules did not load, a message or a text)."""
    meta: dict = {"status": BatchStatus.CRASH, "error": None, "category": req.get("category")}
    if rules is None:
        why = rules_error if isinstance(rules_error, dict) else msg(
            "err_ruleset", message=rules_error or "")
        meta.update(_failed(BatchStatus.RULESET_ERROR, why))
        return _finish(req, meta, t0)
    from scanner.batch.summary import summary_row
    from scanner.engine import ScanRequest, run
    from scanner.errors import InputError
    from scanner.report.json import dumps, result_document

    limit = int(req.get("max_memory_mb") or 0)
    if limit > 0:
        hard = resource.getrlimit(resource.RLIMIT_AS)[1]
        soft = limit << 20 if hard == resource.RLIM_INFINITY else min(limit << 20, hard)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))  # soft only: liftable
    apk = Path(req["apk"])
    category = req.get("category")
    packages = req.get("packages") or {}
    try:
        if category is None and packages:
            from scanner.ingest.apk import ApkReader

            category = packages.get(ApkReader(apk).read().package)
        meta["category"] = category
        flows = tuple(Path(f) for f in req.get("flows") or ())
        if not flows:  # one APK, then the process exits (traffic keeps it): scanner.cli.main
            gc.disable()
        policy = tuple(Path(f) for f in req.get("policy") or ())
        runtime = tuple(Path(f) for f in req.get("runtime") or ())
        result = run(ScanRequest(apk=apk, flows=flows, policy=policy, runtime=runtime,
                                 category=category, command="scan"), rules)
        doc = result_document(result)
        meta["row"] = summary_row(doc)
        text = dumps(doc)
        del doc
        blob = zlib.compress(text.encode("utf-8"), 6)
        del text
        with open(req["result"], "wb") as fh:
            fh.write(blob)
        meta.update(status=BatchStatus.OK)
    except MemoryError:
        meta.update(_failed(BatchStatus.MEMORY, msg("batch_oom", limit=limit)))
    except InputError as e:
        message = e.message()
        meta.update(_failed(BatchStatus.INPUT_ERROR, message if "id" in message
                            else msg("batch_text", text=str(e))))
    except RecursionError:
        meta.update(_failed(BatchStatus.INPUT_ERROR, msg("err_too_deep")))
    except Exception as e:  # a bug met on odd input: recorded, the batch goes on
        detail = f"{type(e).__name__}: {e}"
        if _out_of_memory(e):  # e.g. a lazy import that could not map its library
            meta.update(_failed(BatchStatus.MEMORY, msg("batch_oom_detail", limit=limit,
                                                        detail=detail)))
        else:
            meta.update(_failed(BatchStatus.CRASH, msg("batch_internal", detail=detail)))
    return _finish(req, meta, t0)


def _finish(req: dict, meta: dict, t0: float) -> int:
    meta["peak_rss_kb"] = _peak_kb()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    meta["cpu_seconds"] = round(usage.ru_utime + usage.ru_stime, 3)
    meta["seconds"] = round(time.monotonic() - t0, 3)
    # The scan is over: lift our own soft limit (the hard one was left alone) so that a scan
    # that ran out of memory can still report it.
    hard = resource.getrlimit(resource.RLIMIT_AS)[1]
    resource.setrlimit(resource.RLIMIT_AS, (hard, hard))
    if meta.get("error_msg") is not None:
        from scanner.messages import english

        # JSON-ready, whatever the parameters hold; the English text beside it
        message = json.loads(json.dumps(meta["error_msg"], default=str))
        meta.update(error_msg=message, error=meta.get("error") or _one_line(english(message)))
    _write_json(req["meta"], meta)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
