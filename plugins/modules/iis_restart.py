#!/usr/bin/python
# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: iis_restart
short_description: Reset IIS or recycle the OWA application pool so OWA picks up new IM settings
version_added: 1.0.0
description:
  - Runs C(iisreset /noforce), the procedure's own step, or recycles only the OWA application pool
    (C(appcmd recycle apppool)), which interrupts less.
  - Without O(when_pending) every run changes something (it restarts a service), so use it from a handler. With
    O(when_pending=true) the server decides, in the same remote process, whether OWA owes a restart, and nothing is
    restarted when it does not; see O(when_pending).
  - With O(wait_url), the task ends only when OWA answers again over HTTPS (asked from the controller, as a load
    balancer's probe would), so a throttled task (C(throttle) 1) never has two servers of the pool not answering. The
    role C(exchange.owa_im.cas) does this for each server, with hooks to drain it from the load balancer.
  - With O(check_im_events), once OWA answers, one more remote process reads what OWA's new worker wrote to the
    Application log about instant messaging since the reset began, and the task fails on an IM error with the
    event's ID, its own words and the fix (see M(exchange.owa_im.owa_im_event_info) for the events and how sure the
    collection is of each); OWA answers its sign-in page whether or not its IM provider loaded.
  - With O(halt_on_failure), once this task failed on one server, it resets no further server in this run. Ansible
    runs a throttled task on every host, one after the other, and C(any_errors_fatal) stops the play only after the
    task has run on all of them, so without it every server would still be reset after one failed.
options:
  method:
    description: C(iisreset) restarts all of IIS; C(recycle_app_pool) recycles O(app_pool) only.
    type: str
    choices: [iisreset, recycle_app_pool]
    default: iisreset
  app_pool:
    description: The application pool to recycle with O(method=recycle_app_pool).
    type: str
    default: MSExchangeOWAAppPool
  when_pending:
    description:
      - Restart only when OWA on this server owes a restart. OWA reads its IM settings and loads the OCS provider when its
        worker process (C(w3wp.exe) of C(MSExchangeOWAAppPool)) starts; a restart is owed when that process started
        before the last change it must read, which is the later of the virtual directory's C(WhenChanged) (written by
        Active Directory for any change, one made by hand included) and the time the modules
        M(exchange.owa_im.owa_virtual_directory) and M(exchange.owa_im.ocs_components) record in
        C(%ProgramData%\exchange.owa_im\last-change.txt) before they change anything.
      - No worker running means none is owed (IIS starts one at the next request, which reads the settings as they are).
      - Why the server decides and not the controller; a run interrupted after the change (Ctrl-C, a lost VPN, another
        host failing under C(any_errors_fatal)) leaves nothing in Ansible's memory, but the server's facts remain, so the
        next run finds the reset owed. A marker alone would miss a change made by hand, and C(WhenChanged) alone would
        miss components installed without a settings change; the later of both catches each case.
      - C(WhenChanged) is the domain controller's clock, the worker's start the CAS's; domain members keep within the
        Kerberos tolerance (5 minutes by default) and usually within a second. A reset within that skew of a change may be
        judged owed once more; never the other way for the collection's own changes, whose marker uses the CAS's clock.
      - Loads the Exchange Management Shell (the virtual directory is read), which takes seconds on a real server.
    type: bool
    default: false
  identity:
    description: The OWA virtual directory whose C(WhenChanged) counts with O(when_pending); default this server's C(owa (Default Web Site)).
    type: str
  wait_url:
    description:
      - After the restart, ask this URL from the controller until OWA answers (2xx, a redirect to its sign-in page, or 401)
        or O(wait_timeout) passes, which fails the task. For example C(https://cas01.contoso.com/owa/), or on Exchange 2013
        and later C(https://cas01.contoso.com/owa/healthcheck.htm). Use the server's own name, not the load balancer's.
      - Not asked in check mode, nor when nothing was restarted.
    type: str
  wait_timeout:
    description: Seconds to wait for O(wait_url) to answer.
    type: int
    default: 300
  wait_ca_path:
    description: A PEM file of the certification authorities to trust for O(wait_url) (default the controller's own store).
    type: path
  wait_validate_certs:
    description: Whether the certificate of O(wait_url) is verified. Keep it on; give O(wait_ca_path) instead.
    type: bool
    default: true
  check_im_events:
    description:
      - After the restart (and after O(wait_url) answers), read OWA's instant-messaging events (source
        C(MSExchange OWA)) logged since the restart began, by the server's own clock, and fail the task when one is an IM
        error (83, 84, 85, 86, 87, 88, 74 to 78, 100 to 105, 117), with its ID, its text and the fix. Event 112 says the
        provider loaded (RV(im_provider_loaded)).
      - OWA starts its worker, and loads the provider, at the first request after the restart; without O(wait_url)
        nothing may have asked it yet, and the task warns that nothing was logged.
      - One further remote process per restarted server, without the Exchange snap-in. Not in check mode, nor when
        nothing was restarted.
    type: bool
    default: false
  halt_on_failure:
    description:
      - Once this task has failed on a server (the restart failed, OWA did not answer, or an IM error with
        O(check_im_events)), the servers it has not restarted yet are not restarted in this run; each fails naming the
        server that failed first and why.
      - For a rolling restart with C(throttle), where C(any_errors_fatal) alone stops the play only after the task ran
        on every host. The marker lives in ansible-playbook's temporary folder for the run and is gone when it ends.
    type: bool
    default: false
extends_documentation_fragment:
  - exchange.owa_im.connection
  - exchange.owa_im.attributes.restart
author:
  - exchange.owa_im contributors (@exchange-owa-im)
"""

EXAMPLES = r"""
- name: Reset IIS
  exchange.owa_im.iis_restart:
  throttle: 1

- name: Recycle only OWA's application pool
  exchange.owa_im.iis_restart:
    method: recycle_app_pool

- name: Reset IIS where OWA owes it, one server at a time, each answering again before the next
  exchange.owa_im.iis_restart:
    when_pending: true
    wait_url: https://{{ inventory_hostname }}/owa/
    wait_ca_path: /etc/pki/contoso-ca.pem
  throttle: 1

- name: The same, failing a server whose OWA logged an IM error after its reset, and resetting no server after it
  exchange.owa_im.iis_restart:
    when_pending: true
    wait_url: https://{{ inventory_hostname }}/owa/
    wait_ca_path: /etc/pki/contoso-ca.pem
    check_im_events: true
    halt_on_failure: true
  throttle: 1
"""

RETURN = r"""
method:
  description: The method used.
  returned: always
  type: str
  sample: iisreset
command:
  description: The command line run on the server.
  returned: always
  type: str
  sample: iisreset /noforce
rc:
  description: Its exit code.
  returned: when run
  type: int
  sample: 0
stdout_lines:
  description: Its output.
  returned: when run
  type: list
  elements: str
  sample: ["Attempting stop...", "Internet services successfully stopped", "Attempting start...", "Internet services successfully restarted"]
seconds:
  description: How long the restart took.
  returned: when run
  type: float
restart_state:
  description: What the server said about OWA's worker and the last change (times in the server's local time).
  returned: with O(when_pending=true)
  type: dict
  contains:
    pending:
      description: Whether OWA owed a restart before this task.
      type: bool
    worker_started:
      description: When the oldest C(w3wp.exe) of OWA's application pool started; null when none ran.
      type: str
    virtual_directory_changed:
      description: The virtual directory's C(WhenChanged).
      type: str
    last_change_marker:
      description: The time the collection last recorded before a change; null when it never changed this server.
      type: str
    setting_override_changed:
      description: Exchange 2016 and later, the newest C(WhenChanged) of the C(OwaServer)/C(IMSettings) setting overrides that
        apply to this server; null elsewhere.
      type: str
owa:
  description: How OWA answered after the restart.
  returned: when O(wait_url) was asked
  type: dict
  sample: {"url": "https://cas01.contoso.com/owa/", "status": 302, "attempts": 7, "seconds": 3.1}
im_events:
  description:
    - OWA's instant-messaging events since the restart began, newest first (at most 20), each as
      M(exchange.owa_im.owa_im_event_info) returns its events; the text is the server's, escape it before it goes into
      a report.
  returned: with O(check_im_events=true), when the server was restarted
  type: list
  elements: dict
  sample: [{"event_id": 112, "source": "MSExchange OWA", "entry_type": "Information", "time": "2026-11-25T14:05:32",
            "message": "...", "message_truncated": false, "error": false, "name": "IMEndpointManagerInitializedSuccessfully",
            "meaning": "OWA's IM provider loaded and its endpoint manager started.", "fix": null, "certainty": "..."}]
im_provider_loaded:
  description: Whether OWA logged event 112 (its IM provider loaded) since the restart.
  returned: with O(check_im_events=true), when the server was restarted
  type: bool
"""

from ansible_collections.exchange.owa_im.plugins.module_utils.controller_only import refuse_on_target
from ansible_collections.exchange.owa_im.plugins.module_utils.option_specs import IIS_RESTART_SPEC


def main() -> None:
    refuse_on_target("iis_restart", IIS_RESTART_SPEC)


if __name__ == "__main__":
    main()
