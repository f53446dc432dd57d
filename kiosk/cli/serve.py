"""textual-serve's server, told which browser each app process serves.

``ipas-kiosk serve`` starts one app process per browser connection. The kiosk's per-source limits
need to know whose connection that is, so each process gets ``IPAS_KIOSK_SOURCE`` (read by
``Settings.source``): the connection's peer address, or — only with ``--trust-proxy-header`` and
only when the peer is this host (a local reverse proxy) — the last address of the request's
``X-Forwarded-For``, which is the one that proxy added. Any ``IPAS_KIOSK_SOURCE`` in serve's own
environment is overwritten, never inherited.

textual-serve has no hook for a per-connection environment. The smallest change that gives one
rests on three of its internals: ``Server.handle_websocket`` builds the connection's
``AppService`` in its own task, ``textual_serve.server`` names the class ``AppService``, and
``AppService._build_environment(width, height)`` makes the process environment. The handler here
puts the source in a context variable around textual-serve's own handler, and a subclass of
``AppService`` adds it to the environment. :func:`check_internals` verifies those internals when
the server is made, so a textual-serve that changed them stops ``serve`` at start with a message
instead of serving processes without a source.
"""

from __future__ import annotations

import contextvars
import inspect
import ipaddress
from typing import Any

from textual_serve import app_service as _app_service
from textual_serve import server as _server

from kiosk.cli.serve_uploads import Slot, Uploads

SOURCE_VARIABLE = "IPAS_KIOSK_SOURCE"
UPLOAD_URL_VARIABLE = "IPAS_KIOSK_UPLOAD_URL"
UPLOAD_DIR_VARIABLE = "IPAS_KIOSK_UPLOAD_DIR"
_SOURCE: contextvars.ContextVar[str] = contextvars.ContextVar("ipas_kiosk_source", default="")
# this connection's upload page and folder (kiosk.cli.serve_uploads), when serve offers uploads
_UPLOAD: contextvars.ContextVar[Slot | None] = contextvars.ContextVar(
    "ipas_kiosk_upload", default=None
)
# the warmed parent (kiosk.cli.serve_fork.Forks) this connection's session is forked from
FORKS: contextvars.ContextVar[Any] = contextvars.ContextVar("ipas_kiosk_forks", default=None)


class TextualServeChanged(RuntimeError):
    """textual-serve no longer has the internals the per-connection source relies on."""


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an address or ``localhost``, IPv6 with or without brackets) is this
    machine only. Any other name may resolve to anything: not loopback."""
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _address(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip().strip("[]")))
    except ValueError:
        return None


def connection_source(peer: str | None, forwarded_for: list[str], *, trust_proxy: bool) -> str:
    """The address an app process is told it serves.

    Args:
        peer: The connection's peer address (aiohttp's ``request.remote``).
        forwarded_for: Every ``X-Forwarded-For`` header of the request.
        trust_proxy: ``--trust-proxy-header``: a reverse proxy on this host adds the header.

    Returns:
        The last ``X-Forwarded-For`` address when trusted and the peer is loopback (a proxy
        appends the address it saw; what a browser sent itself comes before it), else the peer;
        "" when neither is an IP address.
    """
    own = _address(peer or "") or ""
    if not (trust_proxy and own and ipaddress.ip_address(own).is_loopback):
        return own
    entries = [part for header in forwarded_for for part in header.split(",")]
    if not entries:
        return own
    return _address(entries[-1]) or own


def _makes_app_service(handler: Any) -> bool:
    try:
        return "AppService(" in inspect.getsource(handler)
    except (OSError, TypeError):  # installed without its source: nothing to read, nothing wrong
        return True


def check_internals() -> None:
    """Raise :class:`TextualServeChanged` unless textual-serve still has what this module uses."""
    problems = []
    if _server.AppService is not _app_service.AppService:
        problems.append("textual_serve.server.AppService is not textual_serve.app_service's")
    build = getattr(_app_service.AppService, "_build_environment", None)
    if build is None or list(inspect.signature(build).parameters) != ["self", "width", "height"]:
        problems.append("AppService._build_environment(self, width, height) is gone")
    handler = getattr(_server.Server, "handle_websocket", None)
    if handler is None or not inspect.iscoroutinefunction(handler):
        problems.append("Server.handle_websocket is not a coroutine function")
    elif not _makes_app_service(handler):
        problems.append("Server.handle_websocket no longer makes the AppService itself")
    if not callable(getattr(_server.Server, "initialize_logging", None)):
        problems.append("Server.initialize_logging is gone")
    if not inspect.iscoroutinefunction(getattr(_server.Server, "_make_app", None)):
        problems.append("Server._make_app is not a coroutine function")
    opener = getattr(_app_service.AppService, "_open_app_process", None)
    if opener is None or list(inspect.signature(opener).parameters) != ["self", "width", "height"]:
        problems.append("AppService._open_app_process(self, width, height) is gone")
    if problems:
        raise TextualServeChanged("; ".join(problems))


class SourceAppService(_app_service.AppService):
    """An app process whose environment says which connection it serves."""

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        environment = super()._build_environment(width=width, height=height)
        environment[SOURCE_VARIABLE] = _SOURCE.get()  # always set: never serve's own value
        slot = _UPLOAD.get()  # likewise: a connection's own page, or none at all
        environment[UPLOAD_URL_VARIABLE] = slot.url if slot is not None else ""
        environment[UPLOAD_DIR_VARIABLE] = str(slot.folder) if slot is not None else ""
        return environment


class SourceServer(_server.Server):
    """textual-serve's server; each app process learns its connection's source.

    Args:
        command: The shell command per connection.
        trust_proxy_header: Take the source from ``X-Forwarded-For`` when the peer is loopback.
        uploads: Offer each connection an upload page (``kiosk.cli.serve_uploads``): the staff
            console's way to a file on the staff member's own machine.
        forks: Fork each connection's session from this warmed parent
            (``kiosk.cli.serve_fork.Forks``, started) instead of running ``command``.
        **kwargs: As for textual-serve's ``Server``.
    """

    def __init__(
        self,
        command: str,
        *,
        trust_proxy_header: bool = False,
        uploads: Uploads | None = None,
        forks: Any = None,
        **kwargs: Any,
    ) -> None:
        check_internals()
        super().__init__(command, **kwargs)
        self.trust_proxy_header = trust_proxy_header
        self.uploads = uploads
        self.forks = forks
        service: type[_app_service.AppService] = SourceAppService
        if forks is not None:
            service = forks.app_service  # kiosk.cli.serve_fork.ForkAppService
        # textual-serve's handler makes its AppService by this module-level name; serve's
        # process serves nothing else, so the name is ours for its lifetime.
        _server.AppService = service  # type: ignore[misc]

    def serve(self, debug: bool = False) -> None:
        """Serve until SIGINT or SIGTERM; the warmed parent, if any, warms up meanwhile and
        ends after its sessions (their pipes close with the server)."""
        if self.forks is None:
            super().serve(debug)
            return
        self.forks.start()
        try:
            super().serve(debug)
        finally:
            self.forks.close(wait=40)

    def initialize_logging(self) -> None:
        """The operator log (``kiosk.core.oplog``) is set up already: no second stderr handler."""

    async def handle_websocket(self, request: Any) -> Any:
        source = connection_source(
            request.remote,
            request.headers.getall("X-Forwarded-For", []),
            trust_proxy=self.trust_proxy_header,
        )
        token = _SOURCE.set(source)  # this connection's task only
        slot = self.uploads.open() if self.uploads is not None else None
        upload = _UPLOAD.set(slot)
        forks = FORKS.set(self.forks)
        try:
            return await super().handle_websocket(request)
        finally:
            FORKS.reset(forks)
            _UPLOAD.reset(upload)
            _SOURCE.reset(token)
            if slot is not None and self.uploads is not None:
                self.uploads.close(slot)  # the connection's files go with it

    async def _make_app(self) -> Any:
        app = await super()._make_app()
        if self.uploads is not None:
            app.add_routes(self.uploads.routes())
        return app
