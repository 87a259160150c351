"""Who may use the workbench, and what its responses allow a browser to do.

Contract:
    Auth(token)                    ``check_bearer(header)`` (constant-time), ``login(token)``
                                   -> session id or None, ``session(cookie)`` -> csrf token or
                                   None, ``logout(cookie)``. Sessions live in memory: a restart
                                   asks the browser to log in again; API clients send the
                                   bearer token on every request.
    new_token() -> str             a token for a server started without ``--token``
    SECURITY_HEADERS               sent with every response: a Content-Security-Policy that
                                   forbids scripts, plugins, frames and every remote load (pages
                                   and reports are self-contained: inline styles, data: images)
    UploadLimit(app, max_bytes)    ASGI middleware: a request body over ``max_bytes`` is
                                   answered 413 (by Content-Length before reading, or while
                                   streaming when the length is not declared)
"""

from __future__ import annotations

import hmac
import secrets
import threading

SESSION_COOKIE = "appaudit_session"
CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


def new_token() -> str:
    return secrets.token_urlsafe(24)


class Auth:
    """The bearer token and the browser sessions made from it."""

    def __init__(self, token: str) -> None:
        self._token = token.encode("utf-8")
        self._sessions: dict[str, str] = {}
        self._lock = threading.Lock()

    def valid_token(self, given: str) -> bool:
        return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), self._token)

    def check_bearer(self, header: str | None) -> bool:
        if not header:
            return False
        scheme, _, value = header.partition(" ")
        return scheme.lower() == "bearer" and self.valid_token(value.strip())

    def login(self, token: str) -> str | None:
        if not self.valid_token(token):
            return None
        sid = secrets.token_urlsafe(32)
        with self._lock:
            self._sessions[sid] = secrets.token_urlsafe(32)
        return sid

    def session(self, sid: str | None) -> str | None:
        """The CSRF token of a live session, or None."""
        if not sid:
            return None
        with self._lock:
            for known, csrf in self._sessions.items():
                if hmac.compare_digest(known, sid):
                    return csrf
        return None

    def logout(self, sid: str | None) -> None:
        with self._lock:
            self._sessions.pop(sid or "", None)


class _TooLarge(Exception):
    pass


class UploadLimit:
    """ASGI middleware answering 413 to request bodies over ``max_bytes``."""

    def __init__(self, app, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > self.max_bytes
            except ValueError:
                too_big = True
            if too_big:
                return await _send_413(send, self.max_bytes, scope)
        seen = 0
        over = False
        answered = False

        async def limited_receive():
            nonlocal seen, over
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    over = True
                    raise _TooLarge()
            return message

        async def guarded_send(message):
            # once the body went over the limit, whatever the app (or Starlette's error
            # handler) answers is replaced by the 413
            nonlocal answered
            if over:
                if not answered:
                    answered = True
                    await _send_413(send, self.max_bytes, scope)
                return
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if not over:
                raise
        if over and not answered:
            await _send_413(send, self.max_bytes, scope)


def _page_lang(scope) -> str:
    """The page language a request asks for: ``?lang=``, else the ``lang`` cookie, else zh
    (as the app's pages choose it)."""
    from http.cookies import SimpleCookie
    from urllib.parse import parse_qs

    query = parse_qs((scope.get("query_string") or b"").decode("latin-1")).get("lang", [""])
    cookie = SimpleCookie()
    try:
        cookie.load(dict(scope.get("headers") or ()).get(b"cookie", b"").decode("latin-1"))
    except Exception:  # a malformed cookie header: no language from it
        pass
    for lang in (query[-1], cookie["lang"].value if "lang" in cookie else ""):
        if lang in ("zh", "en"):
            return lang
    return "zh"


async def _send_413(send, max_bytes: int, scope) -> None:
    """413: JSON on the API's paths (``error`` in English, ``error_msg`` the message), a
    page in the page's language elsewhere (the upload form)."""
    import json

    from scanner.messages import english, msg, render

    message = msg("serve_upload_too_large", mb=max_bytes >> 20)
    if str(scope.get("path") or "").startswith("/api/"):
        body = json.dumps({"error": english(message), "error_msg": message}).encode()
        ctype = b"application/json"
    else:
        from scanner.serve import pages

        lang = _page_lang(scope)
        body = pages.render("message", lang, authed=False,
                            page_title=pages.text(lang)["error_title"],
                            message=render(message["id"], message["params"], lang)).encode()
        ctype = b"text/html; charset=utf-8"
    headers = [(b"content-type", ctype), (b"connection", b"close"),
               (b"content-length", str(len(body)).encode())]
    headers += [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})
