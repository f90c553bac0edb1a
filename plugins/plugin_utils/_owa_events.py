# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""OWA's instant-messaging events in a CAS's Application log (source MSExchange OWA): which IDs, what each means, how
sure we are of it, which are errors, and the fix; and the events a server sent back (owa_im_events.ps1), read strictly.

Why the log: OWA loads its OCS provider when its worker process starts, after a reset, and says only there whether that
worked. OWA then answers its sign-in page whatever happened to IM, so a reset that "succeeded" can leave IM broken
until someone reads the log. Event 112 says the provider loaded; the errors below say why it did not.

How sure we are (the research note behind this table lists the sources):
- The IDs are the low 16 bits of the message IDs in Exchange's ClientsEventLogConstants, from decompiled sources of an
  Exchange 2013-era build whose legacy OWA is Exchange 2010's code. Microsoft documents 112 for Exchange 2013; an
  Exchange 2010 "event ID 87" with OCS is reported from the field. For Exchange 2010 SP1 no ID is confirmed by a
  Microsoft source: each entry says what rests on what.
- OWA logs most of these errors through a periodic logger (at most once per period), so the absence of a repeat later
  is no proof that the cause went away; what counts is the events since the worker started.
"""

from __future__ import annotations

import datetime as dt
import re
import typing as t
from dataclasses import dataclass

from ansible_collections.exchange.owa_im.plugins.filter.plain_text import plain_text
from ansible_collections.exchange.owa_im.plugins.plugin_utils._action import ExchangeFailure
from ansible_collections.exchange.owa_im.plugins.plugin_utils._records import Records, indexed
from ansible_collections.exchange.owa_im.plugins.plugin_utils._server_state import ticks_to_iso

SOURCE = "MSExchange OWA"
PROVIDER_LOADED = 112

# How much of a server's answer is kept: the server cuts first (owa_im_events.ps1), the controller again, as the
# server's values are not trusted.
MAX_MESSAGE_CHARS = 2000
MAX_SCAN = 1000
MAX_EVENTS_LIMIT = 1000
_SHORT_FIELD = 64

DECOMPILED = "the ID and type are those of the decompiled Exchange 2013-era sources (legacy OWA); not confirmed for Exchange 2010"


@dataclass(frozen=True)
class EventMeaning:
    """One event of OWA's IM provider: Exchange's name for it, its level, what it means, the fix, how sure we are."""

    event_id: int
    name: str
    level: str  # error, warning or information
    meaning: str
    fix: str
    certainty: str


_REINSTALL = ("Install or repair the OCS 2007 R2 Web Service Provider (CWAOWASSP.msi, with Visual C++ 2008 x64 and the UCMA 2.0 "
              "Core Redist 64-bit; exchange.owa_im.ocs_components, the role's components step), then reset IIS")

EVENTS: t.Dict[int, EventMeaning] = {e.event_id: e for e in (
    EventMeaning(112, "IMEndpointManagerInitializedSuccessfully", "information",
                 "OWA's IM provider loaded and its endpoint manager started.", "",
                 "confirmed for Exchange 2013 by Microsoft (Lync Server 2013, 'Integrating Lync Server and Outlook Web App "
                 "2013'); the same ID in the decompiled sources; not confirmed for Exchange 2010"),
    EventMeaning(83, "ErrorIMProviderNoRegistrySetting", "error",
                 "OWA found no IM provider registered (no ImplementationDLLPath under HKLM\\SYSTEM\\CurrentControlSet\\Services\\"
                 "MSExchange OWA\\InstantMessaging): the Web Service Provider is not installed.", _REINSTALL + ".",
                 DECOMPILED + "; the text 'No registry setting for IM Provider' is documented by Microsoft for Exchange 2013"),
    EventMeaning(84, "ErrorIMProviderFileDoesNotExist", "error",
                 "The registered IM provider file (Microsoft.Rtc.UCWeb.dll in ClientAccess\\Owa\\bin) does not exist.",
                 _REINSTALL + ".", DECOMPILED + "; 'IM provider not found.' is documented by Microsoft for Exchange 2013"),
    EventMeaning(85, "ErrorIMProviderMultipleClasses", "error", "The IM provider file holds more than one provider class.",
                 _REINSTALL + ".", DECOMPILED),
    EventMeaning(86, "ErrorIMProviderNoValidConstructor", "error", "The IM provider file is not a provider OWA can use.",
                 _REINSTALL + ".", DECOMPILED),
    EventMeaning(87, "ErrorIMProviderExceptionDuringLoad", "error",
                 "The IM provider failed while loading or starting (its .NET dependencies, UCMA 2.0, its listener); the "
                 "event's text names the exception.",
                 _REINSTALL + "; check that UCMA 2.0 and the Web Service Provider come from the same release and carry "
                 "their hotfixes (KB 2282949, KB 981256), and that nothing else holds the connect-back port (5075)",
                 DECOMPILED + "; an Exchange 2010 'event ID 87' with OCS integration is reported from the field "
                 "(ocsguy.com, 2010), and an Exchange 2010 CAS's provider load failure text is quoted by myuclab.nl (2012)"),
    EventMeaning(88, "ErrorIMCreateEndpointFailure", "error", "OWA could not create a user's IM endpoint.",
                 "Check the certificate OWA IM uses and the OCS pool's Host Authorization entry for this server.", DECOMPILED),
    EventMeaning(74, "PayloadNotBeingPickedup", "error", "IM notifications for OWA users are not being picked up.",
                 "Look at the OWA users' sessions and the server's load; reset IIS if it persists.", DECOMPILED),
    EventMeaning(75, "FailedToEstablishMTLSConnection", "error",
                 "An incoming mutual TLS connection (from the OCS pool, on the connect-back port) failed.",
                 "Check that the OCS pool trusts this server's certificate and names it in its Host Authorization list, "
                 "and that the pool's certificate is trusted here.", DECOMPILED + "; its meaning for OCS connect-back is our reading"),
    EventMeaning(76, "ErrorSipEndpointTerminate", "error", "A SIP endpoint failed to terminate.", "Reset IIS if IM misbehaves.",
                 DECOMPILED),
    EventMeaning(77, "ErrorCollaborationManagerTerminate", "error", "The collaboration manager failed to terminate.",
                 "Reset IIS if IM misbehaves.", DECOMPILED),
    EventMeaning(78, "FailedToEstablishIMConnection", "error", "OWA could not connect to the OCS pool for IM.",
                 "Check that the CAS resolves and reaches the OCS pool (owa_im_server_name) on TCP 5061 and that the pool "
                 "lists this server under Host Authorization.", DECOMPILED + "; its meaning 'OCS unreachable' is our reading"),
    EventMeaning(100, "ErrorIMServerNameInvalid", "error",
                 "IM is on with type Ocs but the IM server name OWA reads is empty (the virtual directory's InstantMessagingServerName "
                 "on Exchange 2010, IMServerName in web.config on 2013, in a setting override on 2016 and later).",
                 "Set the pool's FQDN (owa_im_server_name: the role writes it where this server's version reads it), then reset IIS.",
                 DECOMPILED + "; that the legacy settings loader logs it for an empty name on the virtual directory is "
                 "from the decompiled code"),
    EventMeaning(101, "ErrorIMCertificateThumbprintInvalid", "error",
                 "IM is on with type Ocs but the certificate thumbprint OWA reads is empty (the virtual directory's "
                 "InstantMessagingCertificateThumbprint on Exchange 2010, IMCertificateThumbprint in web.config on 2013, in a "
                 "setting override on 2016 and later).",
                 "Set the certificate (owa_im_certificate_thumbprint or owa_im_discover_certificate: the role writes it where this "
                 "server's version reads it), then reset IIS.",
                 DECOMPILED + "; as for 100"),
    EventMeaning(102, "ErrorIMCertificateExpired", "error", "The certificate OWA IM uses has expired.",
                 "Renew the certificate, set the new thumbprint on the virtual directory, then reset IIS.",
                 DECOMPILED + "; the text 'IM Certificate has expired.' is documented by Microsoft for Exchange 2013"),
    EventMeaning(103, "ErrorIMCertificateNotFound", "error",
                 "The thumbprint OWA reads names no certificate in this server's computer store (LocalMachine\\My).",
                 "Set the thumbprint of a certificate this server holds (each CAS has its own unless one was imported on every "
                 "server; owa_im_discover_certificate finds the IIS one), then reset IIS.",
                 DECOMPILED + "; the text 'IM Certificate with thumbprint ... could not be found.' is documented by Microsoft for "
                 "Exchange 2013"),
    EventMeaning(104, "ErrorIMCertificateInvalidDate", "error", "The certificate OWA IM uses is not valid yet.",
                 "Use a certificate valid now, or check the server's clock, then reset IIS.",
                 DECOMPILED + "; the text is documented by Microsoft for Exchange 2013"),
    EventMeaning(105, "ErrorIMCertificateNoPrivateKey", "error", "The certificate OWA IM uses has no private key on this server.",
                 "Import the certificate with its private key, then reset IIS.",
                 DECOMPILED + "; the text is documented by Microsoft for Exchange 2013"),
    EventMeaning(106, "ErrorIMCertificateWillExpireSoon", "warning", "The certificate OWA IM uses expires soon.",
                 "Renew the certificate and set the new thumbprint before it expires.", DECOMPILED),
    EventMeaning(117, "MSNProviderInitializationError", "error", "The MSN IM provider (type Msn, Outlook Live only) failed to start.",
                 "Set the type to Ocs (owa_im_type: ocs), then reset IIS.", DECOMPILED),
)}

ERROR_IDS = frozenset(event_id for event_id, meaning in EVENTS.items() if meaning.level == "error")
IM_EVENT_IDS = tuple(sorted(EVENTS))


class EventRecordError(ValueError):
    """A record of the server's answer that is not what owa_im_events.ps1 writes."""


_SINCE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?$")
WORKER_START = "worker_start"


def since_parameter(since: t.Optional[str], minutes_back: t.Optional[int]) -> t.Tuple[str, int]:
    """(Since, MinutesBack) for the script: a server-local time 'yyyy-MM-ddTHH:mm:ss', 'worker_start', or '' and minutes.

    Without either, the events since OWA's worker started: the only ones that say how the running OWA loaded IM.
    """
    if since not in (None, "") and minutes_back is not None:
        raise ValueError("give since or minutes_back, not both.")
    if minutes_back is not None:
        if not 1 <= minutes_back <= 60 * 24 * 366:
            raise ValueError("minutes_back must be between 1 and %d minutes; got %d." % (60 * 24 * 366, minutes_back))
        return "", minutes_back
    text = str(since or WORKER_START).strip()
    if text == WORKER_START:
        return WORKER_START, 0
    match = _SINCE.match(text)
    if match is None:
        raise ValueError("since must be worker_start or a time of the server's clock such as 2026-11-25T14:05:00; got %r." % text)
    try:
        moment = dt.datetime(*(int(part or 0) for part in match.groups()))
    except ValueError as exc:
        raise ValueError("since is not a valid time (%s): %r." % (exc, text))
    return moment.strftime("%Y-%m-%dT%H:%M:%S"), 0


def event_ids(ids: t.Optional[t.Sequence[t.Any]]) -> t.List[str]:
    """The IDs to read, as the script compares them (text); default the IM events of the table."""
    if not ids:
        return [str(event_id) for event_id in IM_EVENT_IDS]
    wanted = []
    for value in ids:
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ValueError("ids must be event IDs (whole numbers from 0 to 65535); got %r." % (value,))
        if isinstance(value, bool) or not 0 <= number <= 0xFFFF:
            raise ValueError("ids must be event IDs (whole numbers from 0 to 65535); got %r." % (value,))
        wanted.append(str(number))
    return sorted(set(wanted), key=int)


def _short(value: t.Any) -> str:
    return plain_text(value, _SHORT_FIELD)


def parse_event(record: t.Mapping[str, t.Any], max_message_chars: int = MAX_MESSAGE_CHARS) -> t.Dict[str, t.Any]:
    """One event record as the module returns it, its text cut to ``max_message_chars`` and the table's reading added."""
    raw_id = str(record.get("event_id") or "")
    if not raw_id.isdigit() or int(raw_id) > 0xFFFF:
        raise EventRecordError("an event record's ID is not an event ID: %r" % raw_id[:40])
    event_id = int(raw_id)
    message = str(record.get("message") or "")
    try:
        length = int(str(record.get("message_length") or len(message)))
    except ValueError:
        raise EventRecordError("an event record's message length is not a number: %r" % str(record.get("message_length"))[:40])
    meaning = EVENTS.get(event_id)
    event: t.Dict[str, t.Any] = {
        "event_id": event_id,
        "source": SOURCE,
        "entry_type": _short(record.get("entry_type")),
        "time": _short(record.get("time")),
        "message": message[:max_message_chars],
        "message_truncated": length > max_message_chars or len(message) > max_message_chars,
        "error": event_id in ERROR_IDS,
        "name": meaning.name if meaning else None,
        "meaning": meaning.meaning if meaning else None,
        "fix": (meaning.fix or None) if meaning else None,
        "certainty": meaning.certainty if meaning else None,
    }
    return event


def parse_events(records: Records, max_message_chars: int = MAX_MESSAGE_CHARS) -> t.List[t.Dict[str, t.Any]]:
    """The events of the answer, newest first (Get-EventLog's order)."""
    return [parse_event(record, max_message_chars) for record in indexed(records, "event")]


def query_facts(records: Records) -> t.Dict[str, t.Any]:
    """What the script said about its own reading: from when, what it scanned, whether more were left out."""
    query = records.get("events_query") or {}
    worker = str(query.get("worker_started") or "0")
    return {
        "server_time": _short(query.get("now")) or None,
        "after": _short(query.get("after")) or None,
        "worker_started_ticks": int(worker) if worker.isdigit() else 0,
        "scanned": int(str(query.get("scanned") or "0")) if str(query.get("scanned") or "0").isdigit() else 0,
        "scan_limit_reached": query.get("scan_limit_reached") is True,
        "more": query.get("more") is True,
    }


# Logged when IM shuts down (the old worker, as a reset stops it): after a reset they say nothing of the new worker.
SHUTDOWN_EVENTS = frozenset((76, 77))


def summary(events: t.Sequence[t.Mapping[str, t.Any]]) -> t.Dict[str, t.Any]:
    """Whether the provider loaded, and the IM errors and warnings among ``events``."""
    return {
        "provider_loaded": any(e["event_id"] == PROVIDER_LOADED for e in events),
        "errors": [e for e in events if e["error"]],
        "warnings": [e for e in events if EVENTS.get(e["event_id"]) is not None and EVENTS[e["event_id"]].level == "warning"],
    }


def describe(event: t.Mapping[str, t.Any], text_limit: int = 500) -> str:
    """One line for a message: the ID, Exchange's name, when, the event's own words (one line, cut), the fix."""
    name = " %s" % event["name"] if event.get("name") else ""
    words = plain_text(event.get("message") or "", text_limit)
    when = event.get("time") or "?"
    line = "event %d (%s%s, %s) at %s: \"%s\"" % (event["event_id"], SOURCE, name, event.get("entry_type") or "?", when, words)
    if event.get("meaning"):
        line += " - %s" % event["meaning"]
    if event.get("fix"):
        line += " Fix: %s." % event["fix"].rstrip(".")
    return line if line.endswith(".") else line + "."


def failure_message(server: str, errors: t.Sequence[t.Mapping[str, t.Any]]) -> str:
    """Why a server fails after its reset: its newest IM error (Get-EventLog's order), and how many more there were."""
    newest = errors[0]
    others = len(errors) - 1
    more = " %d more IM error event%s since the reset: see im_events." % (others, "" if others == 1 else "s") if others else ""
    return ("%s: after the reset OWA answers, but its instant messaging failed to start: OWA logged %s%s The reset ran; "
            "IM does not work on this server until the cause is fixed and IIS is reset again."
            % (_short(server), describe(newest), more))


def script_parameters(since: str, minutes_back: int, ids: t.Sequence[str], max_events: int) -> t.Dict[str, t.Any]:
    """owa_im_events.ps1's parameters: the moment, the IDs, and the bounds of what the server sends back."""
    if not 1 <= max_events <= MAX_EVENTS_LIMIT:
        raise ValueError("max_events must be between 1 and %d; got %d." % (MAX_EVENTS_LIMIT, max_events))
    return {"Since": since, "MinutesBack": minutes_back, "EventIds": list(ids), "MaxEvents": max_events,
            "MaxScan": MAX_SCAN, "MaxMessageChars": MAX_MESSAGE_CHARS}


def read_failure(records: Records) -> t.Optional[str]:
    """The message for an Application log the script could not read (anything but "No matches found"), else None."""
    error = records.get("error") or {}
    if error.get("kind") != "event_log":
        return None
    server = _short((records.get("server") or {}).get("name") or "the server")
    return ("%s: the Application log could not be read with Get-EventLog (Windows said: %s; %s). The account needs the right to "
            "read the Application log (local Administrators or Event Log Readers)."
            % (server, plain_text(error.get("message") or "no reason", 300), _short(error.get("id") or "no error ID")))


def raise_read_failure(records: Records) -> None:
    """For run_exchange_script's on_error: a log that could not be read fails with the reason, not as an Exchange error."""
    message = read_failure(records)
    if message:
        raise ExchangeFailure(message)


def events_result(records: Records) -> t.Dict[str, t.Any]:
    """What owa_im_events.ps1 sent, as the modules return it: the events, and from when they were read."""
    facts = query_facts(records)
    events = parse_events(records)
    found = summary(events)
    return {
        "server": _short((records.get("server") or {}).get("name")) or None,
        "server_time": facts["server_time"],
        "worker_started": ticks_to_iso(facts["worker_started_ticks"]),
        "after": facts["after"],
        "events": events,
        "provider_loaded": found["provider_loaded"],
        "im_errors": found["errors"],
        "im_warnings": found["warnings"],
        "scan_limit_reached": facts["scan_limit_reached"],
        "truncated": facts["more"],
    }
