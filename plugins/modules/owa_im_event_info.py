#!/usr/bin/python
# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: owa_im_event_info
short_description: Read OWA's instant-messaging events from a Client Access server's Application log
version_added: 1.1.0
description:
  - OWA loads its OCS provider when its worker process (C(w3wp.exe) of C(MSExchangeOWAAppPool)) starts, and writes
    what came of it to the server's Application log, source C(MSExchange OWA) - event 112 when the provider loaded, or
    the error that stopped it. OWA answers its sign-in page either way, so this log is where a broken IM shows.
  - Reads those events (C(Get-EventLog), in one remote PowerShell process without the Exchange snap-in) since the
    start of OWA's running worker (the default), since a time of the server's own clock (O(since)), or for the last
    O(minutes_back) minutes, and returns each with what it means, the fix, and how sure the collection is of that
    reading. Changes nothing.
  - "The events and what they mean: 112 the provider loaded (Information); errors 83 (no provider registered: the Web
    Service Provider is not installed), 84, 85, 86, 87 (the provider failed to load; its text names the exception),
    88, 74 to 78 (connections with the OCS pool), 100 (the virtual directory's C(InstantMessagingServerName) is empty),
    101 (its C(InstantMessagingCertificateThumbprint) is empty), 102 (that certificate has expired), 103 (no certificate
    with that thumbprint on the server), 104, 105, 117; warning 106 (the certificate expires soon)."
  - How sure - the IDs come from decompiled Exchange sources of an Exchange 2013-era build, whose legacy OWA is Exchange
    2010's code; Microsoft documents 112 for Exchange 2013, and an Exchange 2010 event 87 with OCS is reported from the
    field. No Microsoft source confirms the IDs for Exchange 2010 SP1; RV(events[].certainty) says what each rests on.
  - OWA logs most of these errors at most once per period, so the absence of a later repeat does not mean the cause
    is gone; what counts is what OWA logged since its worker started.
  - What a server sends back is bounded - at most 1000 records of the source are scanned (newest first), at most
    O(max_events) events returned, each text cut to 2000 characters - and is returned as data; escape it before putting
    it in a report (C(exchange.owa_im.markdown_text)).
options:
  since:
    description:
      - C(worker_start) (the default) - the events since OWA's running worker started, which are those that say how the
        OWA now serving loaded IM. With no worker running, OWA has not started since its last reset or recycle and has
        logged nothing yet; RV(events) is empty and RV(after) null.
      - Or a time of the server's own clock, C(2026-11-25T14:05:00) (seconds optional), from the start of that second on.
      - Not with O(minutes_back).
    type: str
  minutes_back:
    description: The events of the last this many minutes, by the server's clock (instead of O(since)).
    type: int
  ids:
    description: The event IDs to return (as Event Viewer shows them). Default every instant-messaging event listed above.
    type: list
    elements: int
  max_events:
    description: The most events returned (the newest), from 1 to 1000.
    type: int
    default: 50
extends_documentation_fragment:
  - exchange.owa_im.connection
  - exchange.owa_im.query
  - exchange.owa_im.attributes.info
author:
  - exchange.owa_im contributors (@exchange-owa-im)
"""

EXAMPLES = r"""
- name: How OWA loaded its IM provider when its worker last started
  exchange.owa_im.owa_im_event_info:
  register: im

- name: Stop when OWA logged an IM error
  ansible.builtin.assert:
    that: im.im_errors | length == 0
    fail_msg: "{{ im.im_errors | map(attribute='message') | map('exchange.owa_im.plain_text', 200) | list }}"

- name: The provider's load failures of the last day
  exchange.owa_im.owa_im_event_info:
    minutes_back: 1440
    ids: [83, 84, 87]

- name: The IDs and times of the IM errors since a moment of the server's clock
  exchange.owa_im.owa_im_event_info:
    since: "2026-11-25T14:05:00"
    query: "im_errors[].{id: event_id, time: time}"
  register: errors
"""

RETURN = r"""
server:
  description: The server's name.
  returned: success
  type: str
  sample: CAS01
server_time:
  description: The server's clock when it read the log (its local time).
  returned: success
  type: str
  sample: "2026-11-25T14:07:12"
worker_started:
  description: When OWA's running worker started (the server's local time); null when none runs.
  returned: success
  type: str
  sample: "2026-11-25T14:05:31.204"
after:
  description: The moment (the server's local time) from whose second on the events were read; null when O(since) is
    C(worker_start) and no worker runs.
  returned: success
  type: str
  sample: "2026-11-25T14:05:31"
events:
  description: The events, newest first.
  returned: success
  type: list
  elements: dict
  contains:
    event_id:
      description: The event ID, as Event Viewer shows it.
      type: int
    source:
      description: C(MSExchange OWA).
      type: str
    entry_type:
      description: C(Error), C(Warning) or C(Information), as the server says.
      type: str
    time:
      description: When it was logged (TimeGenerated, the server's local time, whole seconds).
      type: str
    message:
      description: Its text, from the server, cut to 2000 characters; escape it before it goes into a report.
      type: str
    message_truncated:
      description: Whether the text was cut.
      type: bool
    error:
      description: Whether it is an instant-messaging error.
      type: bool
    name:
      description: Exchange's name for the event; null for an ID the collection does not know.
      type: str
    meaning:
      description: What it means.
      type: str
    fix:
      description: What to do about it; null when nothing is to be done.
      type: str
    certainty:
      description: What the reading of this ID rests on.
      type: str
  sample: [{"event_id": 87, "source": "MSExchange OWA", "entry_type": "Error", "time": "2026-11-25T14:05:32",
            "message": "An exception was thrown while attempting to load the IM provider .dll file. ...",
            "message_truncated": false, "error": true, "name": "ErrorIMProviderExceptionDuringLoad",
            "meaning": "The IM provider failed while loading or starting ...", "fix": "Install or repair ...",
            "certainty": "the ID and type are those of the decompiled Exchange 2013-era sources ..."}]
provider_loaded:
  description: Whether event 112 (the provider loaded) is among RV(events).
  returned: success
  type: bool
im_errors:
  description: The instant-messaging errors among RV(events), newest first.
  returned: success
  type: list
  elements: dict
im_warnings:
  description: The instant-messaging warnings among RV(events) (106, the certificate expires soon).
  returned: success
  type: list
  elements: dict
scan_limit_reached:
  description: Whether the server scanned its limit of records of the source, so older events may be left out.
  returned: success
  type: bool
truncated:
  description: Whether more events matched than O(max_events).
  returned: success
  type: bool
query_result:
  description:
    - The value of O(query) over this module's result as it is without RV(query_result); a list, an object, a string,
      a number, a boolean or null, as the expression makes it.
  returned: when O(query) is given
  type: raw
  sample: [87]
"""

from ansible_collections.exchange.owa_im.plugins.module_utils.controller_only import refuse_on_target
from ansible_collections.exchange.owa_im.plugins.module_utils.option_specs import OWA_IM_EVENT_INFO_SPEC


def main() -> None:
    refuse_on_target("owa_im_event_info", OWA_IM_EVENT_INFO_SPEC)


if __name__ == "__main__":
    main()
