"""The lab's server process: every CAS of the lab listens here until ``owa-lab down``."""

from __future__ import annotations

import argparse
import signal
import ssl
import threading
import time

from .listener import CasServer, ntlm_user_file
from .organisation import tls_files
from .owa_web import OwaSite
from .store import Store


def serve(state: str) -> None:
    store = Store(state)
    lab = store.lab()
    ntlm_user_file(str(store.path("ntlm_users")), lab["credentials"])
    servers: list[CasServer] = []
    sites: list[OwaSite] = []
    ports: dict[str, dict[str, int]] = {}
    for name in lab["servers"]:
        cas = CasServer(store, name, lab["credentials"])
        cert, key = tls_files(store, name)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(cert), str(key))
        wanted = lab.get("ports", {}).get(name, {})
        ports[name] = {"https": cas.listen(wanted.get("https", 0), context), "http": cas.listen(wanted.get("http", 0), None)}
        servers.append(cas)
        # OWA on the server's Default Web Site (IIS), with the same certificate.
        sites.append(OwaSite(store, name, context, wanted.get("owa", 0)))
        ports[name]["owa"] = sites[-1].port
    for name in lab.get("front_ends", []):
        # A Lync / Skype for Business Front End: WinRM like a CAS, but no Exchange and no OWA.
        front_end = CasServer(store, name, lab["credentials"])
        cert, key = tls_files(store, name)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(cert), str(key))
        wanted = lab.get("ports", {}).get(name, {})
        ports[name] = {"https": front_end.listen(wanted.get("https", 0), context), "http": front_end.listen(wanted.get("http", 0), None)}
        servers.append(front_end)
    with store.edit("lab.json") as data:
        data["ports"] = ports
        data["ready"] = True
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.wait(0.25):
        for cas in servers:
            cas.watch_faults()
    for cas in servers:
        cas.close()
    for site in sites:
        site.close()
    time.sleep(0.1)


def main() -> None:
    parser = argparse.ArgumentParser(prog="owa-lab-daemon")
    parser.add_argument("--state", required=True)
    serve(parser.parse_args().state)


if __name__ == "__main__":
    main()
