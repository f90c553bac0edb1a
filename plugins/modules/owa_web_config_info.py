#!/usr/bin/python
# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: owa_web_config_info
short_description: Read the Exchange 2010 RTM instant-messaging keys from the OWA web.config
version_added: 1.0.0
description:
  - Exchange 2010 RTM kept OWA's IM settings in C(<install path>\ClientAccess\Owa\web.config) under C(appSettings)
    (C(IMPoolName), C(IMCertificateIssuer), C(IMCertificateSerialNumber)); SP1 moved them to the virtual directory and
    does not carry them over.
  - This module reads the file (never writes it) and reports the three keys and whether they can be mapped to the
    virtual directory settings. The playbook C(exchange.owa_im.migrate_rtm) uses it.
options:
  path:
    description: The web.config to read. Defaults to C($env:ExchangeInstallPath\ClientAccess\Owa\web.config) on the server.
    type: str
extends_documentation_fragment:
  - exchange.owa_im.connection
  - exchange.owa_im.query
  - exchange.owa_im.attributes.info
author:
  - exchange.owa_im contributors (@exchange-owa-im)
"""

EXAMPLES = r"""
- name: Read the RTM-era IM settings
  exchange.owa_im.owa_web_config_info:
  register: rtm

- name: The OCS pool an Exchange 2010 RTM web.config names, or null
  exchange.owa_im.owa_web_config_info:
    query: "im_settings.pool_name"
  register: rtm_pool

- name: What the migration needs to know, in one object per server
  exchange.owa_im.owa_web_config_info:
    query: "{server: server, pool: im_settings.pool_name, issuer: im_settings.certificate_issuer, mappable: mappable, reason: reason}"
  register: rtm_summary
"""

RETURN = r"""
server:
  description: The server's name.
  returned: success
  type: str
  sample: CAS01
path:
  description: The file read.
  returned: success
  type: str
  sample: C:\Program Files\Microsoft\Exchange Server\V14\ClientAccess\Owa\web.config
exists:
  description: Whether the file exists.
  returned: success
  type: bool
im_settings:
  description: The three RTM keys (null when absent).
  returned: when the file exists
  type: dict
  sample: {"pool_name": "ocspool.contoso.com", "certificate_issuer": "CN=ContosoCA, DC=contoso, DC=com",
           "certificate_serial_number": "1f 5e dd 03 00 00 00 00 00 05"}
exchange_2013_settings:
  description:
    - Exchange 2013's IM keys in C(<appSettings>), C(IMServerName) and C(IMCertificateThumbprint) (None for each one
      absent); OWA 2013 takes its IM server and certificate from them (M(exchange.owa_im.owa_web_config) sets them).
  returned: when the file exists
  type: dict
  sample: {"instant_messaging_server_name": "lyncpool.contoso.com", "instant_messaging_certificate_thumbprint": "CDF34A740E9D225A1A06193A9D44B2CE22775308"}
mappable:
  description: Whether the keys name a pool and a certificate, so they can become virtual directory settings.
  returned: success
  type: bool
reason:
  description: Why the settings cannot be mapped, or null.
  returned: success
  type: str
query_result:
  description:
    - The value of O(query) over this module's result as it is without RV(query_result); a list, an object, a string,
      a number, a boolean or null, as the expression makes it.
  returned: when O(query) is given
  type: raw
  sample: ocspool.contoso.com
"""

from ansible_collections.exchange.owa_im.plugins.module_utils.controller_only import refuse_on_target
from ansible_collections.exchange.owa_im.plugins.module_utils.option_specs import OWA_WEB_CONFIG_INFO_SPEC


def main() -> None:
    refuse_on_target("owa_web_config_info", OWA_WEB_CONFIG_INFO_SPEC)


if __name__ == "__main__":
    main()
