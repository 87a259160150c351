"""The workbench web app (Starlette): pages for people, a REST API for tools, one job queue.

Contract:
    create_app(config: ServeConfig) -> ASGI app
        Every route needs the bearer token (``Authorization: Bearer T``) or a browser session
        made from it at ``/login``; otherwise 401 (pages answer 401 with the login form).
        Forms carry a CSRF token bound to the session (SameSite=Strict, HttpOnly cookie too).
        Pages:   /  /upload  /scans/{id}  /scans/{id}/report.html  /findings  /overview
        API:     POST /api/scans (multipart: apk, category, flows…, policy, runtime) -> 202 {"id"}
                 GET /api/scans -> {"scans": [...]};  GET /api/scans/{id}
                 GET /api/scans/{id}/result.json | report.html | bundle.zip
        (the page paths /scans/{id}/result.json and bundle.zip are the same downloads).
        Uploads are stored under ``data/uploads/<job id>/`` by role (never by their names);
        bodies over ``max_upload_mb`` get 413; downloads come only from the store.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import shutil
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from scanner.batch.isolate import Limits
from scanner.batch.store import Store
from scanner.serve import pages
from scanner.serve.jobs import Jobs
from scanner.serve.security import SECURITY_HEADERS, SESSION_COOKIE, Auth, UploadLimit
from scanner.serve.worker import APK_NAME, Workers, upload_dir

_ID = re.compile(r"^[0-9a-f]{16}$")
MAX_FLOWS = 16
MAX_FINDINGS_SHOWN = 1000
_NAME_CHARS = re.compile(r"[^\w.\- ()\[\]+\u4e00-\u9fff]")


@dataclass(frozen=True)
class ServeConfig:
    data: Path
    db: Path
    token: str
    max_upload_mb: int = 200
    jobs: int = 1
    limits: Limits = Limits(600.0, 4096)
    analyst: str = "workbench"
    warm: bool = True
    lang: str = "zh"  # the pages' language until a visitor picks one (serve --lang)


def display_name(name: str | None) -> str:
    """An uploaded file name as text to show (never used as a path)."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    return _NAME_CHARS.sub("_", base)[:120] or "upload"


class Workbench:
    """The app's state: config, auth, workers, categories."""

    def __init__(self, config: ServeConfig) -> None:
        from scanner.knowledge import load_knowledge

        self.config = config
        self.auth = Auth(config.token)
        self.workers = Workers(config.data, config.limits, config.jobs, config.warm)
        self.knowledge = load_knowledge()
        self.categories = self.knowledge.categories
        by_name = {}
        for c in self.categories.values():
            by_name[c.zh] = by_name[c.en.lower()] = c.id
        self.category_names = by_name
        self.fingerprint = ""

    def jobs(self) -> Jobs:
        return Jobs(self.config.db)


def _lang(request: Request) -> str:
    """The page's language: the visitor's choice (query, then cookie), else the one the
    workbench was started with (``serve --lang`` / APPAUDIT_LANG), else Chinese."""
    lang = request.query_params.get("lang") or request.cookies.get("lang")
    if lang in pages.LANGS:
        return lang
    wb = getattr(request.app.state, "workbench", None)
    return wb.config.lang if wb is not None and wb.config.lang in pages.LANGS else "zh"


def _secure(resp: Response, request: Request | None = None) -> Response:
    for k, v in SECURITY_HEADERS.items():
        resp.headers[k] = v
    if request is not None and request.query_params.get("lang") in pages.LANGS:
        resp.set_cookie("lang", request.query_params["lang"], httponly=True,
                        samesite="strict", max_age=365 * 86400)
    return resp


def _html(request: Request, name: str, status: int = 200, **ctx: Any) -> Response:
    lang = _lang(request)
    body = pages.render(name, lang, **ctx)
    return _secure(HTMLResponse(body, status_code=status), request)


def _json(obj: Any, status: int = 200) -> Response:
    return _secure(JSONResponse(obj, status_code=status))


def _api_error(message: dict[str, Any], code: int, **extra: Any) -> Response:
    """A REST error: ``error`` in English (what tools match on) and ``error_msg``, the
    message (id and parameters, scanner.messages) to word in another language."""
    from scanner.messages import english

    return _json({"error": english(message), "error_msg": message, **extra}, code)


def _page_error(request: Request, message: dict[str, Any], status: int,
                csrf: str = "") -> Response:
    """An error a person meets on a page: the message in the page's language."""
    from scanner.messages import text_of

    lang = _lang(request)
    return _html(request, "message", status, csrf=csrf, authed=bool(csrf),
                 page_title=pages.text(lang)["error_title"], message=text_of(message, lang))


def _status_name(status: str) -> dict[str, str]:
    """A job status as the pages name it, in both languages (a message parameter)."""
    return {lang: pages.text(lang).get(f"status_{status}", status) for lang in pages.LANGS}


class _Who:
    def __init__(self, kind: str, csrf: str = "") -> None:
        self.kind = kind  # bearer | session
        self.csrf = csrf


def _who(wb: Workbench, request: Request) -> _Who | None:
    if wb.auth.check_bearer(request.headers.get("authorization")):
        return _Who("bearer")
    csrf = wb.auth.session(request.cookies.get(SESSION_COOKIE))
    return _Who("session", csrf) if csrf else None


def _unauthorized(request: Request, api: bool) -> Response:
    if api:
        from scanner.messages import msg

        resp = _api_error(msg("serve_auth_required", header="Authorization: Bearer TOKEN"), 401)
        resp.headers["WWW-Authenticate"] = "Bearer"
        return resp
    return _html(request, "login", 401, authed=False,
                 page_title=pages.text(_lang(request))["login_title"], failed=False)


def _csrf_ok(who: _Who, form) -> bool:
    if who.kind == "bearer":
        return True  # no ambient credential: a bearer header cannot be forged cross-site
    given = form.get("csrf") if form is not None else None
    return isinstance(given, str) and secrets.compare_digest(given, who.csrf)


def create_app(config: ServeConfig) -> Any:
    wb = Workbench(config)
    # the multipart parser logs a warning for each malformed upload and then raises, which
    # becomes our own 400 answer: its log line (on stderr, through logging's last resort)
    # would only repeat it
    for name in ("python_multipart", "multipart"):
        logging.getLogger(name).setLevel(logging.ERROR)

    def guarded(api: bool = False):
        def wrap(handler):
            async def endpoint(request: Request):
                who = _who(wb, request)
                if who is None:
                    return _unauthorized(request, api)
                return await handler(request, who)
            return endpoint
        return wrap

    # ---------------------------------------------------------------- login
    async def login_page(request: Request):
        return _html(request, "login", authed=False, failed=False,
                     page_title=pages.text(_lang(request))["login_title"])

    async def login(request: Request):
        form = await request.form(max_files=0, max_fields=4)
        token = form.get("token")
        sid = wb.auth.login(token) if isinstance(token, str) else None
        if sid is None:
            return _html(request, "login", 401, authed=False, failed=True,
                         page_title=pages.text(_lang(request))["login_title"])
        resp = RedirectResponse("/", status_code=303)
        resp.set_cookie(SESSION_COOKIE, sid, httponly=True, samesite="strict", path="/")
        return _secure(resp)

    @guarded()
    async def logout(request: Request, who: _Who):
        form = await request.form(max_files=0, max_fields=4)
        if not _csrf_ok(who, form):
            from scanner.messages import msg

            return _page_error(request, msg("serve_csrf"), 403, who.csrf)
        wb.auth.logout(request.cookies.get(SESSION_COOKIE))
        resp = RedirectResponse("/login", status_code=303)
        resp.delete_cookie(SESSION_COOKIE, path="/")
        return _secure(resp)

    # ---------------------------------------------------------------- jobs
    def _job_rows(lang: str):
        with wb.jobs() as j:
            jobs, counts = j.list(), j.counts()
        return [pages.job_view(x, lang, wb.categories) for x in jobs], counts

    @guarded()
    async def index(request: Request, who: _Who):
        lang = _lang(request)
        rows, counts = await run_in_threadpool(_job_rows, lang)
        busy = counts["queued"] + counts["running"] > 0
        return _html(request, "jobs", jobs=rows, counts=counts, csrf=who.csrf,
                     refresh=2 if busy else None,
                     page_title=pages.text(lang)["jobs_title"])

    @guarded()
    async def upload_page(request: Request, who: _Who):
        return _upload_form(request, who, None, 200)

    def _upload_form(request: Request, who: _Who, error: dict | None, status: int):
        from scanner.messages import text_of

        if error is not None:  # the message in the page's language
            error = text_of(error, _lang(request))
        cats = sorted(wb.categories.values(), key=lambda c: c.number)
        return _html(request, "upload", status, csrf=who.csrf, categories=cats, error=error,
                     max_mb=config.max_upload_mb,
                     page_title=pages.text(_lang(request))["upload_title"])

    async def _accept(request: Request, who: _Who) -> tuple[str | None, dict | None, int]:
        """Store an upload as a queued job: (job id, error message, http status)."""
        from scanner.messages import msg

        try:
            form = await request.form(max_files=MAX_FLOWS + 2, max_fields=8)
        except HTTPException as e:  # the body is not a form we read (multipart errors)
            return None, msg("serve_upload_unreadable", detail=str(e.detail)[:200]), 400
        try:
            if not _csrf_ok(who, form):
                return None, msg("serve_csrf"), 403
            apk = form.get("apk")
            if not isinstance(apk, UploadFile) or not apk.filename:
                return None, msg("serve_upload_no_apk"), 400
            raw_cat = form.get("category")
            category = None
            if isinstance(raw_cat, str) and raw_cat.strip():
                key = raw_cat.strip()
                category = key if key in wb.categories else \
                    wb.category_names.get(key) or wb.category_names.get(key.lower())
                if category is None:
                    return None, msg("serve_upload_bad_category", category=key[:80]), 400
            flows = [f for f in form.getlist("flows")
                     if isinstance(f, UploadFile) and f.filename]
            policy = form.get("policy")
            policy = policy if isinstance(policy, UploadFile) and policy.filename else None
            runtime = form.get("runtime")
            runtime = runtime if isinstance(runtime, UploadFile) and runtime.filename else None
            job_id = secrets.token_hex(8)
            folder = upload_dir(config.data, job_id)
            await run_in_threadpool(_store_files, folder, apk, flows, policy, runtime)
            names = tuple(display_name(f.filename) for f in flows)
            with wb.jobs() as j:
                j.add(job_id, display_name(apk.filename), category, names)
            wb.workers.wake()
            return job_id, None, 202
        finally:
            await form.close()

    @guarded()
    async def upload(request: Request, who: _Who):
        job_id, error, status = await _accept(request, who)
        if job_id is None:
            return _upload_form(request, who, error, status)
        return _secure(RedirectResponse(f"/scans/{job_id}", status_code=303))

    @guarded(api=True)
    async def api_create(request: Request, who: _Who):
        job_id, error, status = await _accept(request, who)
        if job_id is None:
            return _api_error(error, status)
        return _json({"id": job_id}, 202)

    def _get(job_id: str):
        if not _ID.match(job_id):
            return None
        with wb.jobs() as j:
            return j.get(job_id)

    def _result(job_id: str) -> bytes | None:
        with wb.jobs() as j:
            return j.result(job_id)

    @guarded()
    async def job_page(request: Request, who: _Who):
        lang = _lang(request)
        job = await run_in_threadpool(_get, request.path_params["id"])
        if job is None:
            return _not_found(request)
        findings = None
        if job.status == "done":
            raw = await run_in_threadpool(_result, job.id)
            doc = json.loads(raw) if raw else {}
            from scanner.report.view import sorted_findings

            findings = [pages.finding_view(f, lang, doc) for f in sorted_findings(doc)]
        return _html(request, "job", job=pages.job_view(job, lang, wb.categories),
                     findings=findings, csrf=who.csrf,
                     fingerprint=wb.fingerprint,
                     refresh=2 if job.status in ("queued", "running") else None,
                     page_title=pages.text(lang)["job_title"].format(id=job.id))

    @guarded(api=True)
    async def api_list(request: Request, who: _Who):
        with wb.jobs() as j:
            return _json({"scans": [x.api() for x in j.list()]})

    @guarded(api=True)
    async def api_job(request: Request, who: _Who):
        job = await run_in_threadpool(_get, request.path_params["id"])
        if job is None:
            from scanner.messages import msg

            return _api_error(msg("serve_no_such_scan"), 404)
        return _json(job.api())

    async def _done_result(request: Request, who: _Who):
        """The job's result, or the error: JSON on the API's paths, a page in the page's
        language on the pages' download paths (/scans/{id}/…)."""
        from scanner.messages import msg

        api = request.url.path.startswith("/api/")
        job = await run_in_threadpool(_get, request.path_params["id"])
        if job is None:
            message = msg("serve_no_such_scan")
            return None, (_api_error(message, 404) if api else
                          _page_error(request, message, 404, who.csrf))
        if job.status != "done":
            message = msg("serve_scan_not_done", status=_status_name(job.status)) \
                if job.status != "failed" else \
                msg("serve_scan_failed", error=job.error_msg or job.error or "")
            return None, (_api_error(message, 409, status=job.status) if api else
                          _page_error(request, message, 409, who.csrf))
        return await run_in_threadpool(_result, job.id), None

    @guarded(api=True)
    async def result_json(request: Request, who: _Who):
        raw, err = await _done_result(request, who)
        if err is not None:
            return err
        resp = Response(raw, media_type="application/json")
        resp.headers["Content-Disposition"] = 'attachment; filename="result.json"'
        return _secure(resp)

    @guarded(api=True)
    async def report_html(request: Request, who: _Who):
        raw, err = await _done_result(request, who)
        if err is not None:
            return err
        from scanner.report import get_format
        from scanner.report.legacy import complete

        body = await run_in_threadpool(get_format("html").render, complete(json.loads(raw)),
                                       _lang(request))
        return _secure(Response(body, media_type="text/html; charset=utf-8"), request)

    @guarded(api=True)
    async def bundle_zip(request: Request, who: _Who):
        raw, err = await _done_result(request, who)
        if err is not None:
            return err
        job_id = request.path_params["id"]
        blob = await run_in_threadpool(_bundle, job_id, raw, _lang(request))
        resp = Response(blob, media_type="application/zip")
        resp.headers["Content-Disposition"] = f'attachment; filename="case-{job_id}.zip"'
        return _secure(resp)

    def _bundle(job_id: str, raw: bytes, lang: str) -> bytes:
        from scanner.bundle.bundle import make_bundle

        work = config.data / "tmp" / f"bundle-{job_id}-{secrets.token_hex(4)}"
        work.mkdir(parents=True)
        try:
            result = work / "result.json"
            result.write_bytes(raw)
            out = work / "case.zip"
            make_bundle(result, out, analyst=config.analyst, case_id=job_id,
                        include_inputs=True, lang=lang, keys_folder=config.data / "keys",
                        formats=("json", "html", "sarif", "csv"))
            return out.read_bytes()
        finally:
            shutil.rmtree(work, ignore_errors=True)

    # ---------------------------------------------------------------- across scans
    def _findings(lang: str, rule: str, pi: str, sdk: str, sev: str):
        from scanner.report.view import sorted_findings

        rows, total = [], 0
        sdk_names: dict[str, str] = {}
        pi_names: dict[str, dict] = {}  # PI type names as the stored results give them
        options: dict[str, set] = {"rule": set(), "pi_type": set(), "sdk": set(),
                                   "severity": set()}
        with Store(config.db) as store:
            db = store.db
            for package, label, blob in db.execute(
                    "SELECT package, label, result_z FROM apks WHERE status='ok' "
                    "AND result_z IS NOT NULL ORDER BY package"):
                doc = json.loads(zlib.decompress(blob))
                pi_names.update(doc.get("pi_type_names") or {})
                for x in doc.get("sdks") or ():
                    sdk_names[x["id"]] = (x.get("name_zh") or x.get("name") or x["id"]) \
                        if lang == "zh" else (x.get("name") or x["id"])
                for f in sorted_findings(doc):
                    sdks = {(e.get("summary") or {}).get("sdk") for e in f.get("evidence") or ()}
                    sdks.discard(None)
                    pis = set(f.get("pi_types") or ())
                    options["rule"].add(f.get("rule"))
                    options["pi_type"].update(pis)
                    options["sdk"].update(sdks)
                    options["severity"].add(f.get("severity"))
                    if (rule and f.get("rule") != rule) or (pi and pi not in pis) or \
                            (sdk and sdk not in sdks) or (sev and f.get("severity") != sev):
                        continue
                    total += 1
                    if len(rows) < MAX_FINDINGS_SHOWN:
                        view = pages.finding_view(f, lang, doc)
                        view["app"] = f"{label or ''} ({package})" if label else package
                        view["sdk_text"] = ", ".join(sorted(sdk_names.get(x, x)
                                                            for x in sdks))
                        rows.append(view)
        return rows, total, options, sdk_names, pi_names

    @guarded()
    async def findings_page(request: Request, who: _Who):
        lang = _lang(request)
        q = request.query_params
        sel = {k: q.get(k) or "" for k in ("rule", "pi_type", "sdk", "severity")}
        rows, total, options, sdk_names, pi_names = await run_in_threadpool(
            _findings, lang, sel["rule"], sel["pi_type"], sel["sdk"], sel["severity"])
        t = pages.text(lang)
        from scanner.report.html import messages
        from scanner.report.view import SEVERITY_ORDER, pi_label

        sev_opts = [(s, messages(lang).get(f"sev_{s}", s)) for s in SEVERITY_ORDER
                    if s in options["severity"]]
        filters = [
            ("rule", t["col_rule"], [(r, r) for r in sorted(options["rule"] - {None})]),
            ("pi_type", t["col_pi_types"],
             [(p, pi_label(p, lang, {"pi_type_names": pi_names}))
              for p in sorted(options["pi_type"])]),
            ("sdk", t["col_sdk"], sorted(((s, sdk_names.get(s, s)) for s in options["sdk"]),
                                         key=lambda o: o[1])),
            ("severity", t["col_severity"], sev_opts),
        ]
        return _html(request, "findings", rows=rows, total=total, limit=MAX_FINDINGS_SHOWN,
                     filters=filters, selected=sel, csrf=who.csrf,
                     page_title=t["findings_title"])

    @guarded()
    async def overview(request: Request, who: _Who):
        lang = _lang(request)

        def build() -> str | None:
            with Store(config.db) as store:
                rows = store.rows()
            if not rows:
                return None
            from scanner.batch.overview import render_overview

            return render_overview(rows, lang)

        page = await run_in_threadpool(build)
        if page is None:
            t = pages.text(lang)
            return _html(request, "message", csrf=who.csrf, page_title=t["nav_overview"],
                         message=t["overview_empty"])
        return _secure(HTMLResponse(page), request)

    def _not_found(request: Request) -> Response:
        from scanner.messages import msg

        return _page_error(request, msg("serve_no_such_scan"), 404)

    async def on_start():
        from scanner.bundle.keys import generate_key, list_keys, safe_name

        keys = config.data / "keys"
        mine = [k for k in list_keys(keys) if k.analyst == safe_name(config.analyst)]
        info = mine[0] if mine else generate_key(config.analyst, keys)
        wb.fingerprint = info.fingerprint
        wb.workers.start()

    async def on_stop():
        await run_in_threadpool(wb.workers.stop)

    routes = [
        Route("/login", login_page, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/", index, methods=["GET"]),
        Route("/upload", upload_page, methods=["GET"]),
        Route("/upload", upload, methods=["POST"]),
        Route("/findings", findings_page, methods=["GET"]),
        Route("/overview", overview, methods=["GET"]),
        Route("/scans/{id}", job_page, methods=["GET"]),
        Route("/scans/{id}/report.html", report_html, methods=["GET"]),
        Route("/scans/{id}/result.json", result_json, methods=["GET"]),
        Route("/scans/{id}/bundle.zip", bundle_zip, methods=["GET"]),
        Route("/api/scans", api_create, methods=["POST"]),
        Route("/api/scans", api_list, methods=["GET"]),
        Route("/api/scans/{id}", api_job, methods=["GET"]),
        Route("/api/scans/{id}/result.json", result_json, methods=["GET"]),
        Route("/api/scans/{id}/report.html", report_html, methods=["GET"]),
        Route("/api/scans/{id}/bundle.zip", bundle_zip, methods=["GET"]),
    ]
    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def lifespan(app):
        await on_start()
        try:
            yield
        finally:
            await on_stop()

    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.workbench = wb
    return UploadLimit(app, config.max_upload_mb << 20)


def _store_files(folder: Path, apk: UploadFile, flows: list[UploadFile],
                 policy: UploadFile | None, runtime: UploadFile | None) -> None:
    folder.mkdir(parents=True, exist_ok=False)
    _copy(apk, folder / APK_NAME)
    for n, f in enumerate(flows):
        _copy(f, folder / f"flows-{n}")
    if policy is not None:
        _copy(policy, folder / "policy")
    if runtime is not None:
        _copy(runtime, folder / "runtime")


def _copy(src: UploadFile, dest: Path) -> None:
    src.file.seek(0)
    with open(dest, "xb") as out:
        shutil.copyfileobj(src.file, out, 1 << 20)
