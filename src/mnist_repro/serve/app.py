"""The demo's FastAPI application: the page, `POST /api/predict`, `GET /healthz`.

Bad input is a 4xx with `{"error": "<one line>"}`, and the server keeps serving. The predict
endpoint is a plain `def`, so FastAPI runs it in its worker threads: a slow request never
blocks the event loop, and each request works on its own arrays.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, File, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse

from .. import paths
from ..errors import ImageTooLarge, NothingToRead, UserError
from . import models

MAX_BYTES = 5 * 1024 * 1024
PAGE = Path(__file__).with_name("page.html")
# The HTTP status of each kind of bad upload; any other UserError is a 400.
STATUS_OF = {ImageTooLarge: 413, NothingToRead: 422}


def error(status: int, message: str) -> JSONResponse:
    return JSONResponse(status_code=status, content={"error": message})


def status_for(problem: UserError) -> int:
    """413 for too large, 422 for a readable image with nothing to read, 400 otherwise."""
    return next((status for kind, status in STATUS_OF.items() if isinstance(problem, kind)), 400)


def create_app(root: Path | None = None) -> FastAPI:
    root = paths.deliverables() if root is None else root

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.loaded = models.load_all(root)  # once, at start-up
        yield

    app = FastAPI(title="mnist-repro demo", lifespan=lifespan,
                  description="The three versions of the 2018 MNIST report read your digit.")

    @app.exception_handler(RequestValidationError)
    async def missing_field(request: Request, exc: RequestValidationError):
        fields = ", ".join(str(part) for problem in exc.errors() for part in problem.get("loc", [])[1:]) or "the form"
        return error(422, f"no file in the multipart field 'image' ({fields}); send the picture as field 'image'")

    @app.get("/", response_class=HTMLResponse)
    def page() -> str:
        return PAGE.read_text(encoding="utf-8")

    @app.get("/healthz")
    def healthz(request: Request) -> dict:
        loaded = request.app.state.loaded
        return {"status": "ok", "loaded": sorted(loaded.models), "missing": {str(n): why for n, why in loaded.missing.items()}}

    @app.post("/api/predict")
    def predict(request: Request, image: UploadFile = File(...)):
        data = image.file.read(MAX_BYTES + 1)
        name = image.filename or "upload"
        if not data:
            return error(400, f"{name}: the upload is empty; send a PNG, JPEG, BMP or GIF picture of one digit")
        if len(data) > MAX_BYTES:
            return error(413, f"{name}: the file is over {MAX_BYTES // (1024 * 1024)} MB; send a smaller picture")
        try:
            return models.read_digit(data, name, request.app.state.loaded)
        except UserError as problem:
            return error(status_for(problem), str(problem))

    return app
