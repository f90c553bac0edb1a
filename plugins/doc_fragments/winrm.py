# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  winrm_host:
    description:
      - The Client Access server to connect to.
      - Defaults to the host's C(ansible_host) when the host's connection is C(winrm), so a play with
        a play on C(cas_servers) needs no C(delegate_to) and no second copy of credentials.
    type: str
  winrm_port:
    description: WinRM port. Defaults to the host's C(ansible_port), else 5986 for HTTPS and 5985 for HTTP.
    type: int
  winrm_user:
    description: User name. Defaults to the host's C(ansible_user).
    type: str
  winrm_password:
    description: Password. Defaults to the host's C(ansible_password). Never shown in output or logs.
    type: str
  winrm_transport:
    description:
      - Authentication, as pywinrm offers it. Defaults to the host's C(ansible_winrm_transport), else C(ntlm).
      - Exchange cmdlets need Active Directory; from an C(ntlm) or C(basic) session the server cannot pass your
        credentials on to a domain controller. Use C(credssp), or C(kerberos) with O(winrm_kerberos_delegation=true).
    type: str
    choices: [ntlm, kerberos, credssp, basic, certificate]
  winrm_scheme:
    description: C(https) (default) or C(http). Over C(http), NTLM, Kerberos and CredSSP messages are encrypted.
    type: str
    choices: [http, https]
  winrm_path:
    description: URL path of the WinRM listener.
    type: str
  winrm_server_cert_validation:
    description: C(validate) (default) checks the server's HTTPS certificate; C(ignore) does not, and is for labs only.
    type: str
    choices: [validate, ignore]
  winrm_ca_trust_path:
    description: A PEM file of the certificate authorities to trust. Defaults to the host's C(ansible_winrm_ca_trust_path).
    type: path
  winrm_kerberos_delegation:
    description: Delegate the Kerberos ticket to the server (solves the second hop to Active Directory).
    type: bool
  winrm_message_encryption:
    description: WinRM message encryption, as pywinrm does it.
    type: str
    choices: [auto, always, never]
  winrm_connection_timeout:
    description: Seconds to wait for the server. Loading the Exchange snap-in takes several seconds on a real server.
    type: int
  winrm_cert_pem:
    description: Client certificate for O(winrm_transport=certificate).
    type: path
  winrm_cert_key_pem:
    description: Key of O(winrm_cert_pem).
    type: path
notes:
  - The module runs on the Ansible controller and drives the Exchange Management Shell on the server over WinRM with
    pywinrm, in one remote PowerShell process per task. The remote script runs on PowerShell 2.0 (Exchange 2010 on
    Windows Server 2008 R2), so no PowerShell 3.0+ module wrapper is needed on the server.
  - The script loads the Exchange snap-in (C(Microsoft.Exchange.Management.PowerShell.E2010), or
    C(Microsoft.Exchange.Management.PowerShell.SnapIn) on Exchange 2013 and later) when it is registered and not loaded.
    Microsoft supports the snap-in for transport-agent cmdlets only and recommends remote PowerShell through
    C(RemoteExchange.ps1); the snap-in is what works from a WinRM session without a further hop, which is why it is used.
  - Options left unset take the values of the host's C(winrm) connection variables; options that are set override them.
requirements:
  - pywinrm (on the controller)
"""
