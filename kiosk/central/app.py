"""The FastAPI application of the central service.

``create_app(settings)`` builds an app; ``app_from_env()`` is the factory that
uvicorn worker processes call (``kiosk central serve`` sets the environment).
App processes keep no state of their own beyond a connection pool, so any
number of them can serve one database.
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict
from datetime import timedelta
from typing import Annotated, Any

import anyio.to_thread
from fastapi import Body, Depends, FastAPI, Header, Path, Query, Request, Response, Security
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine, func, select

from kiosk import __version__
from kiosk.central import feed, scenes
from kiosk.central.auth import Principal, authenticate, authenticate_for_store
from kiosk.central.catalog import CatalogError, canonical_scene
from kiosk.central.db import WORKER_THREADS, make_engine, make_poll_engine, make_read_engine, read_tx, write_tx
from kiosk.central.demand import chain_exists, unmet_demand
from kiosk.central.errors import ApiError, install_error_handlers
from kiosk.central.events import EventIn as StoredEvent
from kiosk.central.events import store_batch
from kiosk.central.handoffs import create_handoff, public_base
from kiosk.central.images import IMAGE_PATH, ImageError, absolute_image_urls, sniff_content_type, store_image
from kiosk.central.limits import BodyLimitMiddleware
from kiosk.central.models import Image, Override, Product
from kiosk.central.publish import (
    OverrideInput,
    PublishReport,
    publish_objects,
    set_chain_price,
    set_overrides,
)
from kiosk.central.schemas import (
    CatalogPublish,
    ChangesPage,
    DemandReport,
    DemandTerm,
    ErrorBody,
    EventsAccepted,
    EventsBatch,
    FeedHead,
    HandoffCreate,
    HandoffCreated,
    ImageStored,
    OverridePatch,
    PricePatch,
    PublishResult,
    SceneWritten,
    ScenesList,
    ScenesReplace,
    StoreStatus,
)
from kiosk.central.settings import Settings
from kiosk.central.stores import StoreInfo, store_info
from kiosk.models import utcnow
from kiosk.money import MoneyError, parse_decimal, to_decimal

StoreId = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", description="Store id")]
_SHA256 = re.compile(r"^[0-9a-f]{64}$")

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "Missing or invalid bearer token"},
    403: {"model": ErrorBody, "description": "The token may not access this store / needs admin"},
    404: {"model": ErrorBody, "description": "Unknown store or resource"},
    422: {"model": ErrorBody, "description": "Invalid request"},
}


def _engine(request: Request) -> Engine:
    return request.app.state.engine


def _reader(request: Request) -> Engine:
    # Snapshot reads (REPEATABLE READ on PostgreSQL) from their own pool.
    return request.app.state.read_engine


# Documents the scheme in OpenAPI; the header itself is parsed by
# ``authenticate`` so that every failure gets the service's error shape.
_bearer = HTTPBearer(auto_error=False, description="A store token (`kst_...`) or an admin token (`kad_...`).")


def _principal(request: Request,
               _scheme: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)] = None) -> Principal:
    with _reader(request).connect() as conn:
        return authenticate(conn, request.headers.get("authorization"))


Auth = Annotated[Principal, Depends(_principal)]


def _admin(principal: Auth) -> Principal:
    principal.require_admin()
    return principal


Admin = Annotated[Principal, Depends(_admin)]


def _store(request: Request, store: StoreId, principal: Auth) -> StoreInfo:
    principal.require_store(store)
    with _reader(request).connect() as conn:
        return store_info(conn, store)


def _scene_body(obj: Any, store: str) -> dict[str, Any]:
    try:
        return canonical_scene(obj, store)
    except CatalogError as exc:
        raise ApiError(422, "invalid_scene", str(exc)) from exc


def create_app(settings: Settings | None = None, engine: Engine | None = None, *,
               include_landing: bool = True) -> FastAPI:
    """Build the central service app.

    Args:
        settings: Service settings (default: from the environment).
        engine: An engine to use instead of opening ``settings.db_url``
            (the schema must already be migrated).
        include_landing: Mount the handoff landing page (``/h/{code}``) if
            kiosk/central/landing.py exists. docs/openapi.json is exported
            without it: it documents the REST contract under /v1.
    """
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Bound the handler threads below the connection pool (see db.py).
        anyio.to_thread.current_default_thread_limiter().total_tokens = WORKER_THREADS
        yield
        app.state.engine.dispose()
        app.state.read_engine.dispose()
        app.state.poll_engine.dispose()

    app = FastAPI(
        lifespan=lifespan,
        title="Store kiosk central catalog service",
        version=__version__,
        summary="Changes feed, scenes, images, analytics events and cart handoffs for store kiosks.",
        description="The REST contract between kiosks and the central catalog service; see docs/api.md.",
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    # PostgreSQL connections per app process: up to 10 for writes (handlers
    # that write run in the bounded thread pool), 20 for snapshot reads and
    # 4 for the event loop's poll path.
    app.state.engine = engine or make_engine(settings.db_url, pool_size=2, max_connections=10)
    app.state.read_engine = make_read_engine(app.state.engine)
    app.state.poll_engine = make_poll_engine(app.state.engine)
    install_error_handlers(app)
    pages = feed.PageCache()
    image_upload = "/v1/images"
    app.add_middleware(BodyLimitMiddleware, limit=settings.max_body,
                       limit_for=lambda path: settings.max_image if path == image_upload else settings.max_body)

    @app.get("/healthz", tags=["service"], summary="Liveness and database check")
    def healthz(request: Request) -> dict[str, str]:
        with _reader(request).connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        return {"status": "ok", "version": __version__}

    # ------------------------------------------------------------ feed

    @app.get("/v1/stores/{store}/changes", tags=["feed"], response_model=ChangesPage,
             responses={**ERRORS, 304: {"description": "Nothing changed since the ETag in If-None-Match"},
                        410: {"model": ErrorBody, "description": "Cursor beyond the feed (resync from 0)"}},
             summary="Changes of the store's catalog after a cursor")
    async def changes(request: Request, store: StoreId,
                      since: Annotated[int, Query(ge=0, description="Cursor from the previous `next` (0: all)")] = 0,
                      limit: Annotated[int, Query(ge=1, le=feed.MAX_LIMIT)] = feed.DEFAULT_LIMIT,
                      if_none_match: Annotated[str | None, Header()] = None,
                      _scheme: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)] = None) -> Response:
        # The hot path: a caught-up kiosk polling. One statement (token and
        # store head by primary key) runs right here on the event loop -
        # cheaper than a hop through the thread pool; a page to build goes
        # to a thread.
        engine = _reader(request)
        with request.app.state.poll_engine.connect() as conn:
            _, info = authenticate_for_store(conn, request.headers.get("authorization"), store)
        if since == info.head:
            # Caught up: nothing lies after the head, so no query is needed.
            headers = {"ETag": feed.head_etag(info), "Cache-Control": "private, no-cache"}
            if if_none_match and feed.etag_matches(if_none_match, headers["ETag"]):
                return Response(status_code=304, headers=headers)
            return Response(feed.empty_page(info), media_type="application/json", headers=headers)
        base_url = public_base(request)
        if not (if_none_match and feed.etag_matches(if_none_match, feed.head_etag(info))):
            # Every kiosk of a store asks for the same page after a change:
            # the head is part of the key, so a cached page is the current one.
            cached = pages.get(feed.page_key(info, since, limit, base_url))
            if cached is not None:
                body, more = cached
                etag = feed.page_etag(info, since, limit) if more else feed.head_etag(info)
                return Response(body, media_type="application/json",
                                headers={"ETag": etag, "Cache-Control": "private, no-cache"})
        return await run_in_threadpool(_changes_page, engine, store, since, limit, if_none_match, base_url)

    def _changes_page(engine: Engine, store: str, since: int, limit: int, if_none_match: str | None,
                      base_url: str) -> Response:
        with read_tx(engine) as conn:
            info = store_info(conn, store)
            unchanged = feed.not_modified_etag(conn, info, since, limit, if_none_match)
            if unchanged is not None:
                return Response(status_code=304, headers={"ETag": unchanged, "Cache-Control": "private, no-cache"})
            body, more = pages.get_or_build(feed.page_key(info, since, limit, base_url),
                                            lambda: feed.read_page(conn, info, since, limit, base_url))
        etag = feed.page_etag(info, since, limit) if more else feed.head_etag(info)
        headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
        return Response(body, media_type="application/json", headers=headers)

    @app.get("/v1/stores/{store}/products/{product_id}", tags=["feed"], responses=ERRORS,
             summary="One product as the store receives it")
    def product(request: Request, info: Annotated[StoreInfo, Depends(_store)], product_id: str) -> Response:
        with read_tx(_reader(request)) as conn:
            text = feed.product_for_store(conn, info, product_id, public_base(request))
        if text is None:
            raise ApiError(404, "product_not_found", f"no product {product_id!r}")
        return Response(text, media_type="application/json")

    @app.get("/v1/stores/{store}/status", tags=["feed"], response_model=StoreStatus, responses=ERRORS,
             summary="The store's feed head and counts")
    def status(request: Request, info: Annotated[StoreInfo, Depends(_store)]) -> StoreStatus:
        with read_tx(_reader(request)) as conn:
            n_products = conn.execute(select(func.count()).select_from(Product)
                                      .where(Product.chain_id == info.chain_id)).scalar_one()
            n_overrides = conn.execute(select(func.count()).select_from(Override)
                                       .where(Override.store_id == info.store_id)).scalar_one()
        return StoreStatus(store=info.store_id, chain=info.chain_id, name=info.name, head=info.head,
                           products=n_products, overrides=n_overrides, scenes_version=info.scenes_version,
                           server_time=utcnow())

    # ------------------------------------------------------------ scenes

    @app.get("/v1/stores/{store}/scenes", tags=["scenes"], response_model=ScenesList,
             responses={**ERRORS, 304: {"description": "Not modified"}}, summary="The store's scenes")
    def list_scenes(request: Request, info: Annotated[StoreInfo, Depends(_store)],
                    if_none_match: Annotated[str | None, Header()] = None) -> Response:
        etag = scenes.etag(info.scenes_version)
        if feed.etag_matches(if_none_match, etag):
            return Response(status_code=304, headers={"ETag": etag})
        with read_tx(_reader(request)) as conn:
            version, items = scenes.list_scenes(conn, info.store_id)
        text = json.dumps({"version": version, "scenes": items}, ensure_ascii=False)
        return Response(absolute_image_urls(text, public_base(request)), media_type="application/json",
                        headers={"ETag": scenes.etag(version), "Cache-Control": "private, no-cache"})

    @app.put("/v1/stores/{store}/scenes", tags=["scenes"], response_model=ScenesList,
             responses={**ERRORS, 412: {"model": ErrorBody}, 428: {"model": ErrorBody}},
             summary="Replace the store's scenes (If-Match: collection version)")
    def replace_scenes(request: Request, info: Annotated[StoreInfo, Depends(_store)], body: ScenesReplace,
                       if_match: Annotated[str | None, Header()] = None) -> JSONResponse:
        items = [_scene_body(s, info.store_id) for s in body.scenes]
        ids = [s["id"] for s in items]
        if len(set(ids)) != len(ids):
            raise ApiError(422, "invalid_scene", "scene ids must be unique")
        with write_tx(_engine(request)) as conn:
            version = scenes.replace_scenes(conn, info.store_id, items, scenes.parse_if_match(if_match))
            _, stored = scenes.list_scenes(conn, info.store_id)
        return JSONResponse({"version": version, "scenes": stored}, headers={"ETag": scenes.etag(version)})

    @app.get("/v1/stores/{store}/scenes/{scene_id}", tags=["scenes"], responses=ERRORS, summary="One scene")
    def get_scene(request: Request, info: Annotated[StoreInfo, Depends(_store)], scene_id: str,
                  if_none_match: Annotated[str | None, Header()] = None) -> Response:
        with read_tx(_reader(request)) as conn:
            sv = scenes.get_scene(conn, info.store_id, scene_id)
        if sv is None:
            raise ApiError(404, "scene_not_found", f"no scene {scene_id!r} in store {info.store_id!r}")
        etag = scenes.etag(sv.version)
        if feed.etag_matches(if_none_match, etag):
            return Response(status_code=304, headers={"ETag": etag})
        text = json.dumps({**sv.body, "version": sv.version}, ensure_ascii=False)
        return Response(absolute_image_urls(text, public_base(request)), media_type="application/json",
                        headers={"ETag": etag, "Cache-Control": "private, no-cache"})

    @app.put("/v1/stores/{store}/scenes/{scene_id}", tags=["scenes"], response_model=SceneWritten,
             responses={**ERRORS, 412: {"model": ErrorBody}, 428: {"model": ErrorBody}},
             summary="Create or replace a scene (If-Match: its version; If-None-Match: * to only create)")
    def put_scene(request: Request, info: Annotated[StoreInfo, Depends(_store)], scene_id: str,
                  body: Annotated[dict[str, Any], Body()],
                  if_match: Annotated[str | None, Header()] = None,
                  if_none_match: Annotated[str | None, Header()] = None) -> JSONResponse:
        obj = dict(body)
        obj.setdefault("id", scene_id)
        if str(obj["id"]) != scene_id:
            raise ApiError(422, "invalid_scene", f"body id {obj['id']!r} differs from the URL's {scene_id!r}")
        scene = _scene_body(obj, info.store_id)
        with write_tx(_engine(request)) as conn:
            version, created = scenes.put_scene(conn, info.store_id, scene, scenes.parse_if_match(if_match),
                                                if_none_match)
        return JSONResponse(SceneWritten(id=scene_id, version=version, created=created).model_dump(),
                            status_code=201 if created else 200, headers={"ETag": scenes.etag(version)})

    @app.delete("/v1/stores/{store}/scenes/{scene_id}", tags=["scenes"], status_code=204,
                responses={**ERRORS, 412: {"model": ErrorBody}, 428: {"model": ErrorBody}},
                summary="Delete a scene (If-Match: its version)")
    def delete_scene(request: Request, info: Annotated[StoreInfo, Depends(_store)], scene_id: str,
                     if_match: Annotated[str | None, Header()] = None) -> Response:
        with write_tx(_engine(request)) as conn:
            scenes.delete_scene(conn, info.store_id, scene_id, scenes.parse_if_match(if_match))
        return Response(status_code=204)

    # ------------------------------------------------------------ images

    @app.get("/v1/images/{image_id}", tags=["images"],
             responses={200: {"content": {"image/png": {}, "image/jpeg": {}}, "description": "The image bytes"},
                        304: {"description": "Not modified"}, 404: {"model": ErrorBody}},
             summary="An image by its sha256 (public, immutable)")
    def get_image(request: Request, image_id: str,
                  if_none_match: Annotated[str | None, Header()] = None) -> Response:
        # Images are public (a phone's handoff page shows them) and immutable:
        # the URL is the content's hash, so caches may keep them for a year.
        if not _SHA256.match(image_id):
            raise ApiError(404, "image_not_found", "no such image")
        etag = f'"{image_id}"'
        headers = {"ETag": etag, "Cache-Control": "public, max-age=31536000, immutable"}
        if feed.etag_matches(if_none_match, etag):
            return Response(status_code=304, headers=headers)
        with _reader(request).connect() as conn:
            row = conn.execute(select(Image.content_type, Image.data).where(Image.id == image_id)).first()
        if row is None:
            raise ApiError(404, "image_not_found", "no such image")
        return Response(bytes(row.data), media_type=row.content_type, headers=headers)

    @app.post("/v1/images", tags=["images", "admin"], response_model=ImageStored, status_code=201,
              responses={**ERRORS, 413: {"model": ErrorBody}, 415: {"model": ErrorBody}},
              summary="Upload an image (admin; raw bytes as the body)")
    async def upload_image(request: Request, _admin_: Admin) -> JSONResponse:
        data = await request.body()
        try:
            ctype = sniff_content_type(data)
        except ImageError as exc:
            raise ApiError(415, "unsupported_media_type", str(exc)) from exc
        with write_tx(_engine(request)) as conn:
            digest = store_image(conn, data)
        url = public_base(request) + IMAGE_PATH + digest
        return JSONResponse(ImageStored(id=digest, url=url, content_type=ctype, size=len(data)).model_dump(),
                            status_code=201)

    # ------------------------------------------------------------ events

    @app.post("/v1/stores/{store}/events", tags=["events"], response_model=EventsAccepted,
              responses={**ERRORS, 413: {"model": ErrorBody}, 428: {"model": ErrorBody}},
              summary="Upload a batch of analytics events (Idempotency-Key header required)")
    def post_events(request: Request, info: Annotated[StoreInfo, Depends(_store)], body: EventsBatch,
                    idempotency_key: Annotated[str | None, Header(max_length=128)] = None) -> EventsAccepted:
        if not idempotency_key:
            raise ApiError(428, "idempotency_key_required", "send the batch with an Idempotency-Key header")
        for e in body.events:
            if e.at.tzinfo is None:
                raise ApiError(422, "validation_error", f"event {e.uid}: 'at' needs a timezone")
        batch = [StoredEvent(uid=e.uid, kind=e.kind, at=e.at, payload=e.payload) for e in body.events]
        with write_tx(_engine(request)) as conn:
            result = store_batch(conn, info.store_id, idempotency_key, batch)
        return EventsAccepted(accepted=result.accepted, duplicate=result.duplicate)

    # ------------------------------------------------------------ handoffs

    @app.post("/v1/stores/{store}/handoffs", tags=["handoffs"], response_model=HandoffCreated, status_code=201,
              responses=ERRORS, summary="Store a cart and get a short link for the customer's phone")
    def post_handoff(request: Request, info: Annotated[StoreInfo, Depends(_store)],
                     body: HandoffCreate) -> HandoffCreated:
        currency = body.currency.upper()
        items = []
        total = 0
        try:
            for n, item in enumerate(body.items, 1):
                unit = parse_decimal(item.unit_price, currency)
                if unit < 0:
                    raise MoneyError("negative price")
                line = unit * item.qty
                total += line
                entry = item.model_dump()
                entry["variant_title"] = item.variant_title or item.variant
                entry.pop("variant", None)
                entry.update(unit_price=to_decimal(unit, currency), unit_price_minor=unit,
                             line_total_minor=line)
                items.append(entry)
            if body.total is not None and parse_decimal(body.total, currency) != total:
                raise ApiError(422, "total_mismatch",
                               f"total {body.total} differs from the sum of the lines {to_decimal(total, currency)}")
        except MoneyError as exc:
            raise ApiError(422, "validation_error", f"item {n}: {exc}") from exc
        if body.checkout_url and not body.checkout_url.startswith(("https://", "http://")):
            raise ApiError(422, "validation_error", "checkout_url must be an http(s) URL")
        for n, item in enumerate(body.items, 1):
            # The landing page puts these in <img src>: only web images.
            if item.image and not item.image.startswith(("https://", "http://")):
                raise ApiError(422, "validation_error", f"item {n}: image must be an http(s) URL or empty")
        h = create_handoff(_engine(request), info.store_id, items, total, currency, body.checkout_url,
                           request.app.state.settings.handoff_ttl_s)
        return HandoffCreated(code=h.code, url=f"{public_base(request)}/h/{h.code}", expires_at=h.expires_at)

    # ------------------------------------------------------------ admin

    @app.patch("/v1/stores/{store}/variants/{variant}", tags=["admin"], response_model=FeedHead,
               responses=ERRORS, summary="Set a store's override of a variant (admin; variant id or SKU)")
    def patch_override(request: Request, store: StoreId, variant: str, _admin_: Admin,
                       body: OverridePatch) -> FeedHead:
        fields = body.model_fields_set
        values = {f: getattr(body, f) for f in fields if getattr(body, f) is not None}
        clear = tuple(f for f in fields if getattr(body, f) is None)
        try:
            with write_tx(_engine(request)) as conn:
                head = set_overrides(conn, store, [OverrideInput(variant=variant, clear=clear, **values)])
        except LookupError as exc:
            raise ApiError(404, "not_found", str(exc).strip("'\"")) from exc
        except ValueError as exc:
            raise ApiError(422, "validation_error", str(exc)) from exc
        return FeedHead(head=head)

    @app.patch("/v1/chains/{chain}/variants/{variant}", tags=["admin"], response_model=FeedHead,
               responses=ERRORS, summary="Change a variant's price for the whole chain (admin)")
    def patch_price(request: Request, chain: str, variant: str, _admin_: Admin, body: PricePatch) -> FeedHead:
        try:
            with write_tx(_engine(request)) as conn:
                head = set_chain_price(conn, chain, variant, body.price, body.compare_at_price)
        except LookupError as exc:
            raise ApiError(404, "not_found", str(exc).strip("'\"")) from exc
        except ValueError as exc:
            raise ApiError(422, "validation_error", str(exc)) from exc
        return FeedHead(head=head)

    @app.get("/v1/chains/{chain}/demand", tags=["admin"], response_model=DemandReport, responses=ERRORS,
             summary="What customers searched for or scanned and did not find (admin)")
    def demand(request: Request, chain: str, _admin_: Admin,
               days: Annotated[float, Query(gt=0, le=3660, description="Look back this many days.")] = 30,
               store: Annotated[str | None, Query(description="Only this store of the chain.")] = None,
               limit: Annotated[int, Query(ge=1, le=1000)] = 50) -> DemandReport:
        since = utcnow() - timedelta(days=days)
        with read_tx(_reader(request)) as conn:
            if not chain_exists(conn, chain):
                raise ApiError(404, "not_found", f"no chain {chain!r}")
            rows = unmet_demand(conn, chain, store_id=store, since=since, limit=limit)
        return DemandReport(chain=chain, store=store, since=since, terms=[DemandTerm(**asdict(r)) for r in rows])

    @app.post("/v1/chains/{chain}/catalog", tags=["admin"], response_model=PublishResult, responses=ERRORS,
              summary="Publish a catalog (admin): only changes are appended to the feed")
    def publish(request: Request, chain: str, _admin_: Admin, body: CatalogPublish) -> PublishResult:
        try:
            report: PublishReport = publish_objects(_engine(request), body.products, body.scenes, chain_id=chain,
                                                    full=body.full)
        except (CatalogError, ValueError) as exc:
            raise ApiError(422, "invalid_catalog", str(exc)) from exc
        return PublishResult(chain=report.chain_id, added=report.added, updated=report.updated,
                             deleted=report.deleted, unchanged=report.unchanged,
                             scenes_changed=report.scenes_changed, head=report.head)

    if include_landing:
        _include_landing(app)
    return app


def _include_landing(app: FastAPI) -> None:
    # The handoff landing page (GET /h/{code}) is written separately; the
    # service runs without it until it exists.
    try:
        landing = importlib.import_module("kiosk.central.landing")
    except ModuleNotFoundError as exc:
        if exc.name != "kiosk.central.landing":
            raise
        return
    app.include_router(landing.router)


def app_from_env() -> FastAPI:
    """The app configured from ``KIOSK_CENTRAL_*`` variables (uvicorn factory)."""
    return create_app(Settings.from_env())

