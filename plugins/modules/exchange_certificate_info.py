#!/usr/bin/python
# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: exchange_certificate_info
short_description: Read this Exchange server's certificates and pick the one IIS uses
version_added: 1.0.0
description:
  - Lists the Exchange certificates of this server (C(Get-ExchangeCertificate)) with thumbprint, subject, issuer, serial
    number, services, validity and status, in one remote PowerShell process.
  - Returns RV(iis_certificate), the certificate OWA IM should use on this server - bound to IIS, status C(Valid),
    valid today on the server's clock; a CA-issued certificate beats a self-signed one, then the one that lives longest.
  - With O(issuer) and O(serial_number) (as an Exchange 2010 RTM C(web.config) wrote them), finds that certificate.
options:
  thumbprint:
    description: Read only this certificate. Spaces, colons, case and U+200E/U+200F marks are ignored.
    type: str
  issuer:
    description: Issuer distinguished name to match, as C(IMCertificateIssuer) held it. Needs O(serial_number).
    type: str
  serial_number:
    description: Serial number to match, with or without the spaces RTM's C(IMCertificateSerialNumber) had. Needs O(issuer).
    type: str
extends_documentation_fragment:
  - exchange.owa_im.connection
  - exchange.owa_im.query
  - exchange.owa_im.attributes.info
author:
  - exchange.owa_im contributors (@exchange-owa-im)
"""

EXAMPLES = r"""
- name: Find the certificate this CAS uses for IIS
  exchange.owa_im.exchange_certificate_info:
  register: certs

- name: Use it for OWA IM
  exchange.owa_im.owa_virtual_directory:
    instant_messaging_certificate_thumbprint: "{{ certs.iis_certificate.thumbprint }}"
  when: certs.iis_certificate is not none

- name: Certificates that have expired or expire within 30 days
  exchange.owa_im.exchange_certificate_info:
    query: "certificates[?days_left < `30`].{thumbprint: thumbprint, subject: subject, days_left: days_left}"
  register: expiring

- name: Warn about them
  ansible.builtin.debug:
    msg: "{{ item.subject }} ({{ item.thumbprint }}): {{ item.days_left }} days left"
  loop: "{{ expiring.query_result }}"

- name: Thumbprints of the certificates enabled for IIS and valid today
  exchange.owa_im.exchange_certificate_info:
    query: "certificates[?contains(services, 'IIS') && valid_now].thumbprint"
  register: iis_thumbprints
"""

RETURN = r"""
server:
  description: The Exchange server the task ran on.
  returned: success
  type: dict
  sample: {"name": "CAS01", "fqdn": "cas01.contoso.com", "version": "Version 14.1 (Build 218.15)"}
server_time:
  description: The server's clock when it was read, which validity is judged against.
  returned: success
  type: str
  sample: "2026-11-25T02:30:00"
certificates:
  description: The server's Exchange certificates.
  returned: success
  type: list
  elements: dict
  contains:
    thumbprint:
      description: SHA-1 thumbprint, 40 hexadecimal digits.
      type: str
    subject:
      description: Subject distinguished name.
      type: str
    issuer:
      description: Issuer distinguished name.
      type: str
    serial_number:
      description: Serial number in hexadecimal, as Exchange prints it.
      type: str
    services:
      description: Services the certificate is enabled for, such as C(IIS), C(SMTP), C(IMAP), C(POP), C(UM).
      type: list
      elements: str
    not_before:
      description: Start of validity, in the server's local time.
      type: str
    not_after:
      description: End of validity, in the server's local time.
      type: str
    status:
      description: Exchange's status, such as C(Valid), C(DateInvalid), C(Untrusted) or C(Revoked).
      type: str
    is_self_signed:
      description: Whether the certificate is self-signed.
      type: bool
    domains:
      description: The certificate's domains.
      type: list
      elements: str
    friendly_name:
      description: Friendly name.
      type: str
    days_left:
      description: Whole days until it expires (negative once expired).
      type: int
    valid_now:
      description: Whether today lies within its validity.
      type: bool
    usable_for_im:
      description: Bound to IIS, status C(Valid) and valid today.
      type: bool
iis_certificate:
  description: The certificate to use for OWA IM on this server, or null when none qualifies.
  returned: success
  type: dict
matched_certificate:
  description: The certificate with O(issuer) and O(serial_number), or null when this server has none.
  returned: when O(issuer) is given
  type: dict
query_result:
  description:
    - The value of O(query) over this module's result as it is without RV(query_result); a list, an object, a string,
      a number, a boolean or null, as the expression makes it.
  returned: when O(query) is given
  type: raw
  sample: [{"thumbprint": "0C9D1E5B7A3F2E4D6C8B0A1F3E5D7C9B1A2F4E6D", "subject": "CN=cas01.contoso.com", "days_left": 12}]
"""

from ansible_collections.exchange.owa_im.plugins.module_utils.controller_only import refuse_on_target
from ansible_collections.exchange.owa_im.plugins.module_utils.option_specs import EXCHANGE_CERTIFICATE_INFO_SPEC


def main() -> None:
    refuse_on_target("exchange_certificate_info", EXCHANGE_CERTIFICATE_INFO_SPEC)


if __name__ == "__main__":
    main()
