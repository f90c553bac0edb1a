# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether a CAS's OWA answers over HTTPS again after a reset, asked from the controller as a load balancer's probe would.

After iisreset the first request starts OWA's worker process, which compiles and loads OWA before it answers (tens of
seconds on a real server); until then IIS (HTTP.sys) answers 503 or the connection fails. OWA answers when /owa/ gives
its sign-in page or a redirect to it (forms-based authentication), or 401 (Windows authentication), and 2013 and later
answer /owa/healthcheck.htm with 200.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import time
import typing as t
import urllib.error
import urllib.parse
import urllib.request


class ProbeError(Exception):
    """OWA did not answer in time; the message says what it answered last."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: t.Any, **kwargs: t.Any) -> None:
        return None


def answers(status: int) -> bool:
    """2xx, a redirect (to the sign-in page) or 401: OWA runs. 5xx (503 while it loads), 404 and the rest: not yet."""
    return 200 <= status < 400 or status == 401


def ssl_context(ca_path: t.Optional[str], validate: bool) -> ssl.SSLContext:
    if not validate:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    return ssl.create_default_context(cafile=ca_path or None)


def probe(url: str, context: ssl.SSLContext, timeout: float) -> t.Tuple[t.Optional[int], str]:
    """One GET: the status, or None and why there was none."""
    opener = urllib.request.build_opener(_NoRedirect(), urllib.request.HTTPSHandler(context=context))
    try:
        with opener.open(urllib.request.Request(url, method="GET", headers={"User-Agent": "exchange.owa_im"}), timeout=timeout) as reply:
            return int(reply.status), "HTTP %d" % reply.status
    except urllib.error.HTTPError as exc:
        return int(exc.code), "HTTP %d" % exc.code
    except ssl.SSLCertVerificationError as exc:
        # Not a server that is still starting: waiting would not help.
        raise ProbeError("the certificate of %s could not be verified (%s); give wait_ca_path (the CA that issued the CAS "
                         "certificate) rather than turning validation off" % (urllib.parse.urlsplit(url).netloc, exc.verify_message))
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, socket.gaierror):
            # A name the controller cannot resolve does not start to resolve while a server restarts.
            raise ProbeError("the controller cannot resolve %s (%s); set the URL of this server's own OWA (owa_im_owa_url in the role, "
                             "wait_url here)" % (urllib.parse.urlsplit(url).hostname, reason))
        return None, str(reason)[:200]


def wait_until_answering(url: str, timeout: float, ca_path: t.Optional[str] = None, validate: bool = True,
                         interval: float = 0.5, clock: t.Callable[[], float] = time.monotonic,
                         sleep: t.Callable[[float], None] = time.sleep) -> t.Dict[str, t.Any]:
    """Ask ``url`` every ``interval`` seconds until OWA answers; ProbeError after ``timeout`` seconds."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise ProbeError("wait_url must be an http(s) URL such as https://cas01.contoso.com/owa/; got %r" % url)
    context = ssl_context(ca_path, validate)
    started = clock()
    attempts = 0
    last = "no answer"
    while True:
        attempts += 1
        status, last = probe(url, context, max(1.0, min(10.0, timeout)))
        if status is not None and answers(status):
            return {"url": url, "status": status, "attempts": attempts, "seconds": round(clock() - started, 2)}
        if clock() - started >= timeout:
            raise ProbeError("OWA at %s did not answer within %d s after the reset (last: %s)" % (url, timeout, last))
        sleep(interval)
