"""The HTTP layer of ``derivdetect serve`` (FastAPI): a JSON API under ``/v1`` for a CMS, a
wire ingest job or a crawler, and the review queue for editors in the browser.

Thin, like the CLI: requests are parsed into calls of :class:`~.service.Service`, its results
returned as JSON, and every error is a 4xx with ``{"error": "one line saying what to fix"}``
(a bug is a 500 with no detail). Access (see :class:`~.service.ServeSettings`):

- with a token, every endpoint but ``/healthz`` needs ``Authorization: Bearer TOKEN`` or the
  session cookie that ``/login`` gives a browser (HttpOnly, SameSite=Strict); a request
  without either gets 401 and nothing else;
- writes from a browser (cookie) must carry the page's CSRF token, and every write must come
  from this origin when it says where it comes from (``Origin``); JSON writes must be
  ``application/json``, which no cross-site form can send;
- only the host names the service listens on are answered (no DNS rebinding).

No page loads anything from elsewhere (no CDN); the interactive API docs are left out for
that reason, and the OpenAPI schema is at ``/openapi.json``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from contextlib import asynccontextmanager
from typing import List, Optional
from urllib.parse import parse_qs, quote, urlsplit

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from ..errors import DerivDetectError
from ..store.archive import STATES
from .judges import JudgePool, JudgeUnavailable
from .pages import PAGE_CSP, login_page, pair_frame_page, queue_page_html
from .service import NotFound, ServeSettings, Service, TooLarge

SESSION_COOKIE = "derivdetect_session"


class ApiError(Exception):
    """An HTTP error with a one-line message."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


class Article(BaseModel):
    """An article: its text and what is known about it."""

    model_config = ConfigDict(extra="ignore")
    text: StrictStr
    id: Optional[StrictStr] = Field(None, max_length=2000)
    title: Optional[StrictStr] = None
    url: Optional[StrictStr] = None
    date: Optional[StrictStr] = None
    byline: Optional[StrictStr] = None
    source: Optional[StrictStr] = Field(None, description="the outlet; stands for the byline")


class CheckRequest(Article):
    add: StrictBool = Field(False, description="add the article to the archive after the check")


class ArticleBatch(BaseModel):
    articles: List[Article]


class ReviewRequest(BaseModel):
    state: StrictStr = Field(description="one of " + ", ".join(STATES))
    note: Optional[StrictStr] = Field(None, max_length=10_000)
    by: Optional[StrictStr] = Field(None, max_length=200)


class Session(BaseModel):
    token: StrictStr


def _json(data) -> Response:
    """A JSON response written by ``json`` directly: the API's results are plain data, and
    FastAPI's own encoder takes longer than the check over a pair's passages."""
    return Response(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8"),
                    media_type="application/json")


def local_path(target: str) -> str:
    """``target`` if it is a path on this service (``/...``, no host, no backslash or
    control character that a browser would read as one), else ``/``."""
    parts = urlsplit(target)
    if (not target.startswith("/") or target.startswith("//") or parts.scheme or parts.netloc
            or any(c == "\\" or ord(c) < 32 or ord(c) == 127 for c in target)):
        return "/"
    return target


def _digest(secret: str, purpose: str) -> str:
    return hmac.new(secret.encode("utf-8"), purpose.encode("utf-8"), hashlib.sha256).hexdigest()


class BodyLimit:
    """ASGI middleware: a request body over ``limit`` bytes gets 413, by its
    ``Content-Length`` before it is read or as soon as a streamed body passes it; a body
    within the limit is read here and handed on whole."""

    def __init__(self, app, limit: int):
        self.app = app
        self.limit = limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope.get("headers") or ()).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.limit):
            return await _too_large(self.limit, send)
        chunks, seen = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return                                  # the client went away
            chunks.append(message.get("body", b""))
            seen += len(chunks[-1])
            if seen > self.limit:
                return await _too_large(self.limit, send)
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        handed = False

        async def replay():
            nonlocal handed
            if not handed:
                handed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        return await self.app(scope, replay, send)


class HostsAndHeaders:
    """ASGI middleware (plain ASGI: Starlette's ``BaseHTTPMiddleware`` streamed every
    response through a task of its own, a fifth of the HTTP process's time under load).

    With ``allowed_hosts`` (a service without a token) only those host names are answered:
    a page of another site that re-points its name to 127.0.0.1 gets nothing. With a token
    any name may lead here (a proxy, a host name): the token is what protects it. Every
    response gets the security headers; HTML pages but the sandboxed report frame get the
    content security policy."""

    def __init__(self, app, allowed_hosts: Optional[set]):
        self.app = app
        self.allowed_hosts = allowed_hosts

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if self.allowed_hosts is not None:
            given = Headers(scope=scope).get("host", "").lower()
            host = given.split("]")[0] + "]" if given.startswith("[") else \
                given.rsplit(":", 1)[0]
            if host not in self.allowed_hosts:
                refused = JSONResponse({"error": f"unknown host {host!r}"}, status_code=400)
                return await refused(scope, receive, send)
        report_frame = scope["path"].endswith("/report")

        async def with_headers(message):
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                # not no-referrer: under it a browser sends "Origin: null" with the pair
                # page's form, which same_origin() must refuse
                headers.setdefault("Referrer-Policy", "same-origin")
                headers.setdefault("X-Frame-Options", "SAMEORIGIN")
                headers.setdefault("Cache-Control", "no-store")
                if headers.get("content-type", "").startswith("text/html") and \
                        not report_frame:
                    headers.setdefault("Content-Security-Policy", PAGE_CSP)
            await send(message)

        return await self.app(scope, receive, with_headers)


async def _too_large(limit: int, send) -> None:
    body = json.dumps({"error": f"request body over {limit:,} bytes (--max-body)"}).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


def create_app(settings: ServeSettings, service: Optional[Service] = None) -> FastAPI:
    """The service's ASGI application (``service``: made from ``settings`` when not given)."""
    pooled = settings.workers > 1
    service = service or Service(settings, index=not pooled)
    judges = JudgePool(settings) if pooled else service   # what checks and adds

    @asynccontextmanager
    async def lifespan(app):
        yield
        if pooled:   # after the requests in flight: uvicorn stops serving first
            judges.close()

    token = settings.token
    session_value = _digest(token, "session") if token else None
    csrf_secret = token or secrets.token_hex(32)
    app = FastAPI(title="derivdetect", version=__version__, docs_url=None, redoc_url=None,
                  openapi_url=None, lifespan=lifespan,
                  description="Check articles against an archive of everything published, "
                              "and review the flags.")
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    allowed_hosts = {settings.host.lower(), f"[{settings.host.lower()}]", "127.0.0.1",
                     "localhost", "[::1]"}

    def csrf_for(request: Request) -> str:
        return _digest(csrf_secret, "csrf:" + (request.cookies.get(SESSION_COOKIE) or "open"))

    def signed_in(request: Request) -> bool:
        if token is None or by_bearer(request):
            return True
        cookie = request.cookies.get(SESSION_COOKIE, "")
        return bool(cookie) and hmac.compare_digest(cookie.encode(), session_value.encode())

    def by_bearer(request: Request) -> bool:
        """Whether the request carries the right token in its Authorization header."""
        header = request.headers.get("authorization", "")
        return token is not None and header.lower().startswith("bearer ") and \
            hmac.compare_digest(header[7:].strip().encode(), token.encode())

    def same_origin(request: Request) -> None:
        origin = request.headers.get("origin")
        if origin and origin != "null":
            host = request.headers.get("host", "")
            if origin.split("://", 1)[-1] != host:
                raise ApiError(403, "cross-site request refused")
        elif origin == "null":
            raise ApiError(403, "cross-site request refused")

    async def access(request: Request) -> None:
        """Every /v1 endpoint: signed in; writes same-origin and JSON, and CSRF-checked
        when they are signed in by the browser's cookie (without a token there is no
        cookie: a cross-site page can send no JSON write and no same-origin one). Async:
        it reads only headers, so it runs on the event loop instead of taking a thread."""
        if not signed_in(request):
            raise ApiError(401, "missing or wrong token: send 'Authorization: Bearer TOKEN'")
        if request.method in ("POST", "PUT", "PATCH", "DELETE"):
            same_origin(request)
            kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if kind != "application/json":
                raise ApiError(415, "send the body as application/json")
            if token is not None and not by_bearer(request) and not hmac.compare_digest(
                    request.headers.get("x-csrf-token", "").encode(),
                    csrf_for(request).encode()):
                raise ApiError(403, "missing or wrong X-CSRF-Token (reload the page)")

    app.add_middleware(HostsAndHeaders,
                       allowed_hosts=allowed_hosts if token is None else None)

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError):
        return JSONResponse({"error": exc.message}, status_code=exc.status)

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound):
        return JSONResponse({"error": str(exc)}, status_code=404)

    @app.exception_handler(TooLarge)
    async def too_large(request: Request, exc: TooLarge):
        return JSONResponse({"error": str(exc)}, status_code=413)

    @app.exception_handler(JudgeUnavailable)
    async def judge_unavailable(request: Request, exc: JudgeUnavailable):
        return JSONResponse({"error": str(exc)}, status_code=503)

    @app.exception_handler(DerivDetectError)
    async def domain_error(request: Request, exc: DerivDetectError):
        return JSONResponse({"error": str(exc)}, status_code=422)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        problems = []
        try:
            (await request.body()).decode("utf-8")
        except UnicodeDecodeError as bad:
            return JSONResponse({"error": f"the body is not UTF-8 (byte {bad.start})"},
                                status_code=400)
        for error in exc.errors():
            if error.get("type") == "json_invalid":
                reason = (error.get("ctx") or {}).get("error", "")
                return JSONResponse({"error": f"the body is not valid JSON ({reason})"
                                     if reason else "the body is not valid JSON"},
                                    status_code=400)
            where = ".".join(str(p) for p in error.get("loc", ()) if p != "body") or "body"
            problems.append(f"{where}: {error.get('msg', 'invalid')}")
        return JSONResponse({"error": "; ".join(problems[:5]) or "invalid request"},
                            status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        message = exc.detail if isinstance(exc.detail, str) else "request refused"
        if exc.status_code == 400 and "parsing the body" in message:
            try:
                (await request.body()).decode("utf-8")
                message = "the body is not valid JSON"
            except UnicodeDecodeError as bad:
                message = f"the body is not UTF-8 (byte {bad.start})"
        return JSONResponse({"error": message}, status_code=exc.status_code)

    # ------------------------------------------------------------------ open

    @app.get("/healthz", tags=["service"])
    def healthz():
        """Whether the service is up (no token needed; says nothing about the archive)."""
        return {"status": "ok"}

    # ------------------------------------------------------------------ API

    api = [Depends(access)]

    @app.get("/openapi.json", dependencies=api, include_in_schema=False)
    def openapi():
        return app.openapi()

    @app.post("/v1/check", dependencies=api, tags=["articles"])
    def check(body: CheckRequest):
        """Judge an article against the whole archive: its matches (pair objects as in
        ``pairs.json``, with ``pair_id``, ``state`` and ``credit``) and whether any is an
        unreviewed flag. With ``add``, the article is archived afterwards."""
        return _json(judges.check(body.model_dump()))

    @app.post("/v1/articles", dependencies=api, tags=["articles"])
    def add(body: ArticleBatch):
        """Add a batch of articles (each wholly or not at all; the same text under the same
        id adds nothing; a new text under an id is a new version)."""
        if len(body.articles) > settings.max_batch:
            raise ApiError(413, f"{len(body.articles):,} articles in one batch, over "
                                f"{settings.max_batch:,} (--max-batch); send smaller batches")
        return _json(judges.add([a.model_dump() for a in body.articles]))

    @app.get("/v1/articles/{article_id:path}", dependencies=api, tags=["articles"])
    def article(article_id: str):
        """The current version of an archived article."""
        return _json(service.article(article_id))

    @app.get("/v1/queue", dependencies=api, tags=["review"])
    def queue(state: str = Query("unreviewed", description="a review state, or all"),
              limit: int = Query(50, ge=1, le=500), cursor: Optional[str] = None,
              source: Optional[str] = Query(None, max_length=200),
              order: str = Query("strongest", pattern="^(strongest|weakest)$")):
        """The flags in ``state``, strongest first, ``limit`` at a time (``cursor``: the
        ``next_cursor`` of the page before); ``source``: only pairs with an article whose
        id, byline or URL contains it."""
        return _json(service.queue(None if state == "all" else state, limit, cursor, source,
                                   order == "weakest"))

    @app.get("/v1/pairs/{pair_id}", dependencies=api, tags=["review"])
    def pair(pair_id: str):
        """A flagged pair with its review state."""
        return _json(service.flag(pair_id))

    @app.post("/v1/pairs/{pair_id}/review", dependencies=api, tags=["review"])
    def review(pair_id: str, body: ReviewRequest):
        """Record a decision on a flagged pair; kept with time, who and note."""
        return _json(service.review(pair_id, body.state, body.note, body.by))

    @app.get("/v1/pairs/{pair_id}/history", dependencies=api, tags=["review"])
    def history(pair_id: str):
        """Every change of the pair's review state, oldest first."""
        return _json({"pair_id": pair_id, "history": service.history(pair_id)})

    # ------------------------------------------------------------------ browser

    @app.post("/v1/session", tags=["service"], status_code=204)
    def session(body: Session, request: Request):
        """Sign a browser in with the token: an HttpOnly, SameSite=Strict cookie."""
        same_origin(request)
        if token is None:
            return Response(status_code=204)
        if not hmac.compare_digest(body.token.strip().encode(), token.encode()):
            raise ApiError(401, "wrong token")
        response = Response(status_code=204)
        response.set_cookie(SESSION_COOKIE, session_value, httponly=True, samesite="strict",
                            secure=request.url.scheme == "https", path="/")
        return response

    def page_access(request: Request):
        if not signed_in(request):
            target = quote(request.url.path + (("?" + request.url.query)
                                                if request.url.query else ""))
            return RedirectResponse(f"/login?next={target}", status_code=303)
        return None

    @app.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login(next: str = "/"):
        return HTMLResponse(login_page(local_path(next)))

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def queue_html(request: Request, state: str = "unreviewed", cursor: Optional[str] = None,
                   source: Optional[str] = None, limit: int = Query(50, ge=1, le=500),
                   order: str = "strongest"):
        refused = page_access(request)
        if refused:
            return refused
        weakest = order == "weakest"
        data = service.queue(None if state == "all" else state, limit, cursor,
                             source or None, weakest)
        return HTMLResponse(queue_page_html(data, state, source or "", limit, csrf_for(request),
                                            service.titles(data["items"]), weakest,
                                            paged=bool(cursor)))

    @app.get("/pairs/{pair_id}", response_class=HTMLResponse, include_in_schema=False)
    def pair_html(request: Request, pair_id: str):
        refused = page_access(request)
        if refused:
            return refused
        record = service.flag(pair_id)
        return HTMLResponse(pair_frame_page(record, service.history(pair_id),
                                            csrf_for(request)))

    @app.get("/pairs/{pair_id}/report", response_class=HTMLResponse, include_in_schema=False)
    def pair_report(request: Request, pair_id: str):
        refused = page_access(request)
        if refused:
            return refused
        return HTMLResponse(service.pair_page(pair_id),
                            headers={"Content-Security-Policy": "sandbox allow-scripts"})

    @app.post("/pairs/{pair_id}/decide", include_in_schema=False)
    async def decide(request: Request, pair_id: str):
        """The review form of the pair page (a plain form: works without scripts)."""
        if not signed_in(request):
            raise ApiError(401, "sign in first")
        same_origin(request)
        form = {k: v[-1] for k, v in parse_qs((await request.body()).decode(
            "utf-8", "replace"), keep_blank_values=True).items()}
        if not hmac.compare_digest(form.get("csrf", "").encode(), csrf_for(request).encode()):
            raise ApiError(403, "missing or wrong form token (reload the page)")
        service.review(pair_id, form.get("state", ""), form.get("note") or None,
                       form.get("by") or None)
        return RedirectResponse(local_path(form.get("back") or "/"), status_code=303)

    @app.get("/static/{name}", include_in_schema=False)
    def static(name: str):
        from .pages import static_file

        found = static_file(name)
        if found is None:
            raise ApiError(404, f"no file {name!r}")
        return Response(found[0], media_type=found[1],
                        headers={"Cache-Control": "max-age=3600"})

    return app
