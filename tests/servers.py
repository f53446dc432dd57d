"""Real local servers for tests: an aiosmtpd SMTP server that keeps what it receives."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Collector:
    """An aiosmtpd handler that keeps every envelope it receives."""

    envelopes: list[Envelope] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def parsed(self, index: int = -1) -> EmailMessage:
        content = self.envelopes[index].content
        assert isinstance(content, bytes)
        return BytesParser(policy=policy.default).parsebytes(content)


@dataclass
class SmtpServer:
    port: int
    collector: Collector


@pytest.fixture
def smtp_factory() -> Iterator[Callable[..., SmtpServer]]:
    controllers: list[Controller] = []

    def start(**smtp_parameters: Any) -> SmtpServer:
        collector = Collector()
        for _attempt in range(3):  # a free port can be taken between probe and bind
            port = free_port()
            controller = Controller(
                collector,
                hostname="127.0.0.1",
                port=port,
                server_hostname="mail.test",
                ready_timeout=3.0,
                **smtp_parameters,
            )
            try:
                controller.start()
            except Exception:  # pragma: no cover - only on a port race
                continue
            controllers.append(controller)
            return SmtpServer(port, collector)
        raise RuntimeError("could not start the SMTP test server")

    yield start
    for controller in controllers:
        controller.stop()
