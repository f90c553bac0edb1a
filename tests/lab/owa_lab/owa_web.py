"""IIS and OWA as the lab emulates them: application pool worker processes (w3wp.exe) and OWA answering over HTTPS.

What the lab follows:
- IIS starts an application pool's worker process on demand, at the first request for an application in that pool
  (the default startMode OnDemand of IIS 7.5; learn.microsoft.com, IIS configuration reference, applicationPools/add).
  iisreset stops every worker process with the services; a recycle ends the pool's worker, and the next request starts
  a new one. OWA reads its configuration, the instant-messaging settings of its virtual directory among them, when its
  application starts in a worker, so a worker that started before a change still serves the old settings.
- While W3SVC is stopped, HTTP.sys answers 503 itself ("HTTP Error 503. The service is unavailable.").
- OWA 2010 with forms-based authentication answers /owa/ with a redirect to /owa/auth/logon.aspx, which shows the
  sign-in page; Exchange 2013 and later also answer /owa/healthcheck.htm with "200 OK" once OWA runs.
- A worker's first requests wait while OWA compiles and loads (tens of seconds on a real server). The lab answers 503
  for ``owa_warmup_seconds`` after the worker starts instead of holding the request: a load balancer or a probe sees
  that server as not answering either way.
- When a worker starts and the virtual directory has IM on with type Ocs, OWA loads the OCS provider and writes what
  came of it to the Application log (source MSExchange OWA): event 112 when it loaded, else the error that stopped it
  (im_provider_event below, with how sure we are of each ID and text; tests/lab/README.md lists the sources).
- On Exchange 2013 the worker takes IMServerName and IMCertificateThumbprint from <appSettings> of OWA's web.config as
  the file is when it starts (web_config_im_settings), not from the virtual directory.
- On Exchange 2016 and 2019 the worker takes IMServerName and IMCertificateThumbprint from the setting overrides as
  the server's last VariantConfiguration refresh found them (exchange/setting_overrides.py), not from the virtual
  directory, and keeps them until it ends.
"""

from __future__ import annotations

import http.server
import socket
import ssl
import datetime as dt
import threading
import time
import xml.etree.ElementTree as ElementTree
from typing import Any

from . import files, windows
from .exchange import setting_overrides
from .exchange.versions import VERSIONS
from .installers import PACKAGES
from .store import Store

OWA_POOL = "MSExchangeOWAAppPool"
# The pools a CAS runs workers for after it has served users; each one's w3wp command line names its pool (-ap).
POOLS = (OWA_POOL, "MSExchangeECPAppPool", "MSExchangeServicesAppPool", "DefaultAppPool")
W3WP = "c:\\windows\\system32\\inetsrv\\w3wp.exe"


def initial_workers(started: float) -> dict[str, dict[str, Any]]:
    """The workers of a CAS that has served users since ``started``: warmed up long ago."""
    return {pool: {"pid": 2400 + index * 36, "started": started, "ready_at": started} for index, pool in enumerate(POOLS)}


def worker_command_line(pool: str, pid: int) -> str:
    return (f'{W3WP} -ap "{pool}" -v "v2.0" -l "webengine4.dll" -a \\\\.\\pipe\\iisipm{pid:08d} '
            f'-h "C:\\inetpub\\temp\\apppools\\{pool}.config" -w "" -m 0 -t 20')


def stop_workers(store: Store, server: str, pools: tuple[str, ...] | None = None) -> None:
    """iisreset (every pool) or a recycle (one pool): their worker processes end."""
    with store.edit_host(server) as host:
        workers = host.setdefault("workers", {})
        for pool in list(workers):
            if pools is None or pool.lower() in (p.lower() for p in pools):
                workers.pop(pool)
    store.log(server, "w3wp-stop", pools=list(pools) if pools else "all")


def workers(store: Store, server: str) -> dict[str, dict[str, Any]]:
    return dict(store.host(server).get("workers", {}))


def iis_running(store: Store, server: str) -> bool:
    return time.time() >= float(store.host(server).get("iis_down_until", 0))


def _request_owa(store: Store, server: str) -> float:
    """A request reaches OWA's pool: its worker starts if none runs. Returns when that worker answers."""
    with store.edit_host(server) as host:
        pool = host.setdefault("workers", {})
        if OWA_POOL in pool:
            return float(pool[OWA_POOL].get("ready_at", pool[OWA_POOL]["started"]))
        started = time.time()
        ready_at = started + float(store.lab().get("owa_warmup_seconds", 0.0))
        pool[OWA_POOL] = {"pid": 5000 + int(started * 1000) % 60000, "started": started, "ready_at": ready_at}
        if _reads_overrides(store, server):
            # Exchange 2016 and later: the new worker takes the IM settings of the server's last refresh (none before
            # the first), and keeps them while it runs.
            pool[OWA_POOL]["im_settings"] = _refreshed_im_settings(host.get(setting_overrides.HOST_KEY))
    store.log(server, "w3wp-start", pool=OWA_POOL)
    event = im_provider_event(store, server)
    if event is not None:
        windows.write_event(store, server, IM_EVENT_SOURCE, event[0], event[1], event[2], IM_EVENT_CATEGORY)
    return ready_at


# OWA's instant-messaging events, source "MSExchange OWA". The message IDs (EventLogEntry.InstanceId; the event ID is
# the low 16 bits) and types are those of Exchange's ClientsEventLogConstants in decompiled Exchange 2013-era sources
# (PiratesRE/exchange_diff, Microsoft.Exchange.Clients.Common/EventLogs/ClientsEventLogConstants.cs), where every IM
# tuple has category 9; that Exchange 2010 SP1 uses the same IDs is not confirmed by any source we found. Texts:
# - 112: Microsoft documents event 112 of MSExchange OWA for Exchange 2013 as "the Instant Messaging Endpoint Manager was
#   successfully initialized" (Lync Server 2013, "Integrating Lync Server and Outlook Web App 2013"); the event's own
#   text was not found, so the lab's sentence is its own, after that description.
# - 83, 102, 103: the texts Microsoft's Exchange 2013 troubleshooting page for the OWA.Protocol.Dep health set quotes;
#   not confirmed for 2010.
# - 87: the text quoted from an Exchange 2010 CAS in myuclab.nl, "Lync integration with OWA doesn't work" (2012), whose
#   ID that post does not give; 87 is the ID of ErrorIMProviderExceptionDuringLoad in the decompiled sources, and an
#   Exchange 2010 "Event ID 87" with OCS integration is reported by ocsguy.com (2010). The exception text after the
#   file name is .NET's ReflectionTypeLoadException message, which that post cuts short.
# - 100, 101: the decompiled OWA settings loader logs them when the type is Ocs and the server name or the thumbprint
#   is null or empty "on the OWA Virtual Directory object"; the full text is not known, so the lab's is its own wording
#   built on that phrase.
# OWA logs these errors through its periodic logger (at most one of each per period); the lab writes one per worker start.
IM_EVENT_SOURCE = "MSExchange OWA"
IM_EVENT_CATEGORY = 9
IM_PROVIDER_LOADED = 112
IM_NO_PROVIDER = 0xC0000053            # 83 ErrorIMProviderNoRegistrySetting
IM_PROVIDER_LOAD_FAILED = 0xC0000057   # 87 ErrorIMProviderExceptionDuringLoad
IM_SERVER_NAME_EMPTY = 0xC0000064      # 100 ErrorIMServerNameInvalid
IM_THUMBPRINT_EMPTY = 0xC0000065       # 101 ErrorIMCertificateThumbprintInvalid
IM_CERTIFICATE_EXPIRED = 0xC0000066    # 102 ErrorIMCertificateExpired
IM_CERTIFICATE_NOT_FOUND = 0xC0000067  # 103 ErrorIMCertificateNotFound
PROVIDER_PRODUCT = PACKAGES["cwaowassp"].product_code


def _reads_overrides(store: Store, server: str) -> bool:
    return str(store.directory()["servers"][server]["version"]) in setting_overrides.OVERRIDE_VERSIONS


def _refreshed_im_settings(snapshot: dict[str, Any] | None) -> dict[str, str]:
    section = ((snapshot or {}).get("settings") or {}).get(setting_overrides.IM_COMPONENT) or {}
    return dict(section.get(setting_overrides.IM_SECTION) or {})


def _reads_web_config(store: Store, server: str) -> bool:
    return str(store.directory()["servers"][server]["version"]) == "2013"


def web_config_im_settings(store: Store, server: str) -> dict[str, str]:
    """IMServerName and IMCertificateThumbprint from <appSettings> of the server's OWA web.config, as .NET's AppSettings
    reads them: keys without regard to case, a later <add> of a key over an earlier one, comments ignored. A file that
    is missing or not well-formed XML gives none (a real OWA would not start at all; the lab reports the empty name)."""
    version = VERSIONS[str(store.directory()["servers"][server]["version"])]
    data = files.host_file_bytes(store, server, version.install_path + "\\ClientAccess\\Owa\\web.config")
    if data is None:
        return {}
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError:
        return {}
    wanted = {"imservername": "IMServerName", "imcertificatethumbprint": "IMCertificateThumbprint"}
    found: dict[str, str] = {}
    for section in root.findall("appSettings"):
        for add in section.findall("add"):
            key = wanted.get(str(add.get("key") or "").lower())
            if key is not None:
                found[key] = str(add.get("value") or "")
    return found


def _own_directory(store: Store, server: str) -> dict[str, Any] | None:
    return next((v for v in store.directory().get("owa_virtual_directories", [])
                 if v["server"] == server and str(v.get("name", "")).lower() == "owa (default web site)"), None)


def im_provider_event(store: Store, server: str) -> tuple[int, str, str] | None:
    """(message ID, entry type, text) OWA writes as its worker starts, or None when the directory's IM is off or not Ocs.

    The checks run in the order OWA makes them (decompiled sources; corroborated, not confirmed for 2010): the settings
    of the virtual directory, then the certificate its thumbprint names in the computer's store, then the provider. The
    first that fails is the one logged, as IM initialisation stops there.
    """
    directory = _own_directory(store, server)
    if directory is None or not directory.get("InstantMessagingEnabled"):
        return None
    if str(directory.get("InstantMessagingType")).lower() not in ("ocs", "1"):
        return None
    host = store.host(server)
    if _reads_overrides(store, server):
        # Exchange 2016 and 2019 take IMServerName and IMCertificateThumbprint from setting overrides (OwaServer,
        # IMSettings) as the server's last VariantConfiguration refresh found them; the virtual directory's two values
        # and web.config edits are ignored ("Configure instant messaging integration with Outlook on the web in
        # Exchange"). The directory's InstantMessagingEnabled and InstantMessagingType still gate IM above: the
        # Set-OwaVirtualDirectory reference documents both for Exchange 2016 and 2019 (InstantMessagingType None by
        # default on-premises, Ocs for Lync or Skype) and no source says 2016 ignores them. The Skype for Business
        # article "Configure integration between on-premises Skype for Business Server and Outlook Web App" covers
        # Exchange Online only and is silent on this, so the lab keeps the stricter reading: both gates stay.
        # A worker that started before any refresh (the lab's initial workers) holds none.
        settings = (host.get("workers", {}).get(OWA_POOL) or {}).get("im_settings") or {}
    elif _reads_web_config(store, server):
        # Exchange 2013 takes IMServerName and IMCertificateThumbprint from <appSettings> of OWA's web.config, as the file
        # is when the worker starts ("Configure integration between on-premises Skype for Business Server and Outlook Web
        # App"); the virtual directory's two values are not read. Its InstantMessagingEnabled and InstantMessagingType
        # Ocs still gate IM above (the same article sets them with Set-OwaVirtualDirectory).
        settings = web_config_im_settings(store, server)
    if _reads_overrides(store, server) or _reads_web_config(store, server):
        thumbprint = str(settings.get("IMCertificateThumbprint") or "").strip()
        if not str(settings.get("IMServerName") or "").strip():
            # owa-lab's words, after the thumbprint's sentence the 2016 article quotes.
            return IM_SERVER_NAME_EMPTY, "Error", "Instant Messaging Server Name is null or empty on web.config"
        if not thumbprint:
            # The error OWA reports, as the OWA.Protocol.Dep health set quotes it in the 2016 article.
            return IM_THUMBPRINT_EMPTY, "Error", "Instant Messaging Certificate Thumbprint is null or empty on web.config"
    else:
        if not str(directory.get("InstantMessagingServerName") or "").strip():
            return IM_SERVER_NAME_EMPTY, "Error", ("The Instant Messaging server name (InstantMessagingServerName) is set to null or empty "
                                                   "on the OWA Virtual Directory object.")
        thumbprint = str(directory.get("InstantMessagingCertificateThumbprint") or "").strip()
        if not thumbprint:
            return IM_THUMBPRINT_EMPTY, "Error", ("The Instant Messaging certificate thumbprint (InstantMessagingCertificateThumbprint) is "
                                                  "set to null or empty on the OWA Virtual Directory object.")
    # Windows matches the thumbprint in LocalMachine\My; the lab's store is the host's certificate list.
    certificate = next((c for c in host.get("certificates", [])
                        if str(c.get("thumbprint", "")).replace(" ", "").upper() == thumbprint.replace(" ", "").upper()), None)
    if certificate is None:
        return IM_CERTIFICATE_NOT_FOUND, "Error", f"IM Certificate with thumbprint {thumbprint} could not be found."
    if dt.datetime.fromisoformat(certificate["not_after"]) < dt.datetime.now():
        return IM_CERTIFICATE_EXPIRED, "Error", "IM Certificate has expired."
    # OWA finds the provider through the ImplementationDLLPath value under ...\Services\MSExchange OWA\InstantMessaging,
    # which the provider's setup writes; the lab goes by the installed product (its removal leaves that value behind).
    # Exchange 2013 and later bring their own provider on UCMA 4.0, which Exchange setup requires before it installs
    # (Exchange Server prerequisites, learn.microsoft.com): only 2010 needs the OCS 2007 R2 provider installed.
    if not _reads_overrides(store, server) and not _reads_web_config(store, server) and PROVIDER_PRODUCT not in host.get("products", {}):
        return IM_NO_PROVIDER, "Error", "InstantMessageOCSProvider.InitializeEndpointManager. No registry setting for IM Provider."
    if store.faults(server).get("im_provider_error"):
        version = VERSIONS[str(store.directory()["servers"][server]["version"])]
        dll = version.install_path + "\\ClientAccess\\OWA\\bin\\Microsoft.Rtc.UCWeb.dll"
        return IM_PROVIDER_LOAD_FAILED, "Error", (f"An exception was thrown while attempting to load the IM provider .dll file. File: {dll} "
                                                  "Unable to load one or more of the requested types. Retrieve the LoaderExceptions "
                                                  "property for more information.")
    return IM_PROVIDER_LOADED, "Information", "The Instant Messaging Endpoint Manager was successfully initialized."


def answer(store: Store, server: str, path: str) -> tuple[int, dict[str, str], bytes]:
    """What OWA on ``server`` answers to a GET of ``path`` now."""
    if not iis_running(store, server):
        return 503, {"Content-Type": "text/html; charset=us-ascii"}, SERVICE_UNAVAILABLE
    lowered = path.split("?", 1)[0].lower()
    if not (lowered == "/owa" or lowered.startswith("/owa/")):
        return 404, {"Content-Type": "text/html"}, b"<html><body><h2>HTTP Error 404. The requested resource is not found.</h2></body></html>"
    if time.time() < _request_owa(store, server):
        return 503, {"Content-Type": "text/html; charset=us-ascii"}, SERVICE_UNAVAILABLE
    version = str(store.directory()["servers"][server]["version"])
    if lowered == "/owa/healthcheck.htm" and not version.startswith("2010"):
        fqdn = store.directory()["servers"][server]["fqdn"]
        return 200, {"Content-Type": "text/html"}, f"<html><body><h2>200 OK</h2><br>{fqdn}<br></body></html>".encode()
    if lowered in ("/owa", "/owa/"):
        return 302, {"Location": "/owa/auth/logon.aspx?url=https%3a%2f%2f" + server.lower() + "%2fowa%2f&reason=0"}, b""
    if lowered == "/owa/auth/logon.aspx":
        return 200, {"Content-Type": "text/html; charset=utf-8"}, SIGN_IN
    return 404, {"Content-Type": "text/html"}, b"<html><body><h2>HTTP Error 404. The requested resource is not found.</h2></body></html>"


SERVICE_UNAVAILABLE = (b'<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN""http://www.w3.org/TR/html4/strict.dtd">\r\n'
                       b"<HTML><HEAD><TITLE>Service Unavailable</TITLE></HEAD><BODY><h2>Service Unavailable</h2>\r\n"
                       b"<hr><p>HTTP Error 503. The service is unavailable.</p>\r\n</BODY></HTML>\r\n")
SIGN_IN = (b"<!DOCTYPE html><html><head><title>Outlook Web App</title></head><body>"
           b'<form action="/owa/auth.owa" method="POST" name="logonForm"><label for="username">Domain\\user name:</label>'
           b'<input id="username" name="username" type="text"><input id="password" name="password" type="password">'
           b'<input type="submit" value="Sign in"></form></body></html>')


class OwaSite:
    """One CAS's Default Web Site over HTTPS, as far as OWA goes."""

    def __init__(self, store: Store, server: str, context: ssl.SSLContext, port: int = 0) -> None:
        handler = type("_Handler", (_OwaHandler,), {"store": store, "cas": server})
        self.httpd = _TLSServer(("127.0.0.1", port), handler)
        self.httpd.tls = context
        self.port = int(self.httpd.server_address[1])
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True,
                         name=f"{server}-owa-{self.port}").start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class _TLSServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128
    tls: ssl.SSLContext

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, address = super().get_request()
        sock.settimeout(30)
        wrapped = self.tls.wrap_socket(sock, server_side=True)
        wrapped.settimeout(None)
        return wrapped, address


class _OwaHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Microsoft-IIS/7.5"
    store: Store
    cas: str

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        return

    def _reply(self, head_only: bool) -> None:
        status, headers, body = answer(self.store, self.cas, self.path)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head_only:
            self.wfile.write(body)

    def do_GET(self) -> None:
        self._reply(False)

    def do_HEAD(self) -> None:
        self._reply(True)
