#!/usr/bin/python3
"""A real SMTP server for patrond's tests (aiosmtpd), on loopback.

Accepted messages are written to SPOOL/NNNN.eml, and one JSON line per message to
SPOOL/log.jsonl (envelope, whether TLS was on). Behaviour for tests:
  --no-starttls        do not offer STARTTLS
  --tls                implicit TLS (port is TLS from the first byte)
  --defer-once ADDR    answer 451 to the first DATA for a message to ADDR, 250 after
  --reject ADDR        answer 550 to RCPT TO:<ADDR>
  --die-on-message N   exit at once on the Nth DATA, before answering (a crash mid-batch)
  --auth USER:PASS     require AUTH (PLAIN or LOGIN) with these credentials
"""
import argparse
import json
import os
import signal
import ssl

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

ap = argparse.ArgumentParser()
ap.add_argument("--port", type=int, required=True)
ap.add_argument("--spool", required=True)
ap.add_argument("--cert")
ap.add_argument("--key")
ap.add_argument("--no-starttls", action="store_true")
ap.add_argument("--tls", action="store_true")
ap.add_argument("--defer-once", action="append", default=[])
ap.add_argument("--reject", action="append", default=[])
ap.add_argument("--die-on-message", type=int, default=0)
ap.add_argument("--auth")
args = ap.parse_args()
os.makedirs(args.spool, exist_ok=True)


class Handler:
    def __init__(self):
        self.data_count = 0
        self.deferred = set()
        self.accepted = len([f for f in os.listdir(args.spool) if f.endswith(".eml")])

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in args.reject:
            return "550 5.1.1 <%s>: mailbox unavailable" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.data_count += 1
        if args.die_on_message and self.data_count == args.die_on_message:
            os._exit(3)
        for r in envelope.rcpt_tos:
            if r in args.defer_once and r not in self.deferred:
                self.deferred.add(r)
                return "451 4.3.0 temporary failure, try again later"
        self.accepted += 1
        name = os.path.join(args.spool, "%04d.eml" % self.accepted)
        with open(name + ".tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(name + ".tmp", name)
        with open(os.path.join(args.spool, "log.jsonl"), "a") as f:
            f.write(json.dumps({"file": name, "from": envelope.mail_from,
                                "to": envelope.rcpt_tos,
                                "tls": session.ssl is not None}) + "\n")
        return "250 2.0.0 OK queued"


def authenticator(server, session, envelope, mechanism, auth_data):
    user, password = args.auth.split(":", 1)
    ok = (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user
          and auth_data.password.decode() == password)
    return AuthResult(success=ok)


kwargs = {}
ctx = None
if args.cert:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(args.cert, args.key)
if args.tls:
    kwargs["ssl_context"] = ctx
elif ctx and not args.no_starttls:
    kwargs["tls_context"] = ctx
if args.auth:
    kwargs["authenticator"] = authenticator
    kwargs["auth_required"] = True
    # with implicit TLS aiosmtpd does not see the session as TLS; the socket is, all the same
    kwargs["auth_require_tls"] = not args.no_starttls and not args.tls

signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
controller = Controller(Handler(), hostname="127.0.0.1", port=args.port, **kwargs)
controller.start()
with open(os.path.join(args.spool, "ready"), "w") as f:
    f.write("ready\n")
signal.sigwait({signal.SIGTERM, signal.SIGINT})
controller.stop()
