# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options: {}
notes:
  - The module runs on the Ansible controller as an action plugin. It starts one PowerShell process on the Client
    Access server for each task, through the host's own connection (C(ansible_connection=winrm), or
    C(ansible_connection=psrp) where the server has PowerShell 3.0 or later), so every connection variable of those
    plugins applies unchanged (Kerberos with C(ansible_winrm_kerberos_delegation), CredSSP, certificates, proxies,
    C(ansible_winrm_send_cbt), ...). A connection that fails makes the host unreachable, as in any Ansible task.
  - Only a small bootstrap goes on the command line (cmd.exe refuses command lines over 8191 characters); the script,
    its helpers and every option value travel on standard input as base64 data and are decoded on the server, so no
    value ever becomes part of PowerShell code.
  - The scripts run on Windows PowerShell 2.0 (Exchange 2010 on Windows Server 2008 R2), so nothing of Ansible's
    PowerShell 5.1 module wrapper is needed on the server. C(become) is refused; connect as an account with the
    Exchange rights the task needs.
  - Scripts that need Exchange load its snap-in (C(Microsoft.Exchange.Management.PowerShell.E2010), or
    C(Microsoft.Exchange.Management.PowerShell.SnapIn) on Exchange 2013 and later) when it is registered and not
    loaded. Exchange cmdlets then reach Active Directory with the connection's credentials; with NTLM the server
    cannot pass them on (the second hop), so use Kerberos with delegation or CredSSP.
  - With C(delegate_to), the task runs against the delegated host's connection, which must be a CAS; delegating to
    C(localhost) is refused with a message.
  - Before it connects, the module refuses a host whose connection would send the password with Basic authentication
    over plain HTTP, send WinRM messages unencrypted over HTTP, or skip the validation of the server's certificate,
    naming the connection variable at fault; the host variables C(owa_im_allow_basic_over_http),
    C(owa_im_allow_unencrypted_messages) and C(owa_im_allow_unverified_certificates) accept each risk, with a warning.
    NTLM, Kerberos and CredSSP over HTTP encrypt every message and need none of them. CredSSP and Kerberos delegation
    (C(ansible_winrm_kerberos_delegation)) work and warn that the CAS receives a reusable credential.
  - What a server sends back is bounded per remote call - C(owa_im_remote_output_limit) bytes of standard output
    (default 16 MiB), C(owa_im_remote_error_limit) bytes of standard error (default 1 MiB) - and so is its duration,
    C(owa_im_remote_timeout) seconds (default 7200); a call past a limit is stopped and the task fails with a message
    naming the variable. Results never show the connection's password or the value of an option marked no_log.
requirements:
  - pywinrm (for C(ansible_connection=winrm)) or pypsrp (for C(ansible_connection=psrp)) on the controller
"""
