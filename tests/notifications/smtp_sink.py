"""A small real SMTP server on 127.0.0.1 for tests: it speaks enough SMTP for Django's backend."""

from __future__ import annotations

import socketserver
import threading
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: str


@dataclass
class SmtpSink:
    """`refuse`: addresses answered 550 at RCPT. `hang_up_after`: messages per connection before the
    sink drops it without a word (a server closing an idle or busy connection)."""

    messages: list[Received] = field(default_factory=list)
    server: socketserver.ThreadingTCPServer | None = None
    refuse: set[str] = field(default_factory=set)
    hang_up_after: int = 0
    connections: int = 0

    @property
    def port(self) -> int:
        assert self.server is not None
        return int(self.server.server_address[1])

    def start(self) -> SmtpSink:
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line: str) -> None:
                self.wfile.write(f"{line}\r\n".encode())

            def handle(self) -> None:
                sink.connections += 1
                self.reply("220 sink ready")
                sender, recipients = "", list[str]()
                taken = 0
                while raw := self.rfile.readline():
                    command = raw.decode().rstrip("\r\n")
                    verb = command[:4].upper()
                    if verb in ("EHLO", "HELO"):
                        self.reply("250 sink")
                    elif verb == "MAIL":
                        sender, recipients = command.split(":", 1)[1].strip(" <>"), []
                        self.reply("250 OK")
                    elif verb == "RCPT":
                        recipient = command.split(":", 1)[1].strip(" <>")
                        if recipient in sink.refuse:
                            self.reply("550 5.1.1 No such mailbox")
                            continue
                        recipients.append(recipient)
                        self.reply("250 OK")
                    elif verb == "DATA":
                        self.reply("354 end with .")
                        lines = []
                        while (line := self.rfile.readline().decode()) not in (".\r\n", ""):
                            lines.append(line)
                        sink.messages.append(Received(sender, recipients, "".join(lines)))
                        self.reply("250 queued")
                        taken += 1
                        if sink.hang_up_after and taken >= sink.hang_up_after:
                            return
                    elif verb == "QUIT":
                        self.reply("221 bye")
                        return
                    else:
                        self.reply("250 OK")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self, *_: Any) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
