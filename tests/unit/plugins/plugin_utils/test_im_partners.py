"""Which IM server must trust each Client Access server (OCS 2007 R2's Host Authorization or a Lync / Skype for Business
trusted application pool), from owa_im_server_product and the server's version as the role's first read found it."""

from __future__ import annotations

import typing as t

import pytest

from ansible_collections.exchange.owa_im.plugins.filter.im_partners import FilterModule
from ansible_collections.exchange.owa_im.plugins.plugin_utils._host_authorization import partner, partners


def _host(name: str, settings_from: t.Optional[str], product: t.Optional[str] = None, subject: t.Optional[str] = None) -> t.Dict[str, t.Any]:
    host: t.Dict[str, t.Any] = {"inventory_hostname": name}
    if settings_from is not None:
        host["owa_im_state"] = {"im_settings_from": settings_from, "host_authorization": {"name": subject}}
    if product is not None:
        host["owa_im_server_product"] = product
    return host


@pytest.mark.parametrize(("settings_from", "product", "expected"), [
    ("virtual_directory", "auto", "ocs2007r2"),     # Exchange 2010 beside OCS 2007 R2, as before
    ("virtual_directory", "lync", "lync"),          # Exchange 2010 beside Lync Server 2010 or 2013
    ("web_config", "auto", "lync"),                 # Exchange 2013
    ("setting_override", "auto", "lync"),           # Exchange 2016 and later
    ("setting_override", "ocs2007r2", "ocs2007r2"),  # what the user said (the role refuses it on 2013+ before any change)
    (None, "auto", None),                           # not read: the version is unknown
    (None, "lync", "lync"),
    ("virtual_directory", None, "ocs2007r2"),
    ("virtual_directory", "LYNC", "lync"),
])
def test_the_partner_follows_the_product_then_the_version(settings_from: t.Optional[str], product: t.Optional[str],
                                                          expected: t.Optional[str]) -> None:
    assert partner(settings_from, product) == expected


def test_each_host_is_named_from_its_certificate_and_its_own_product_wins() -> None:
    hosts = [_host("cas01", "virtual_directory", subject="cas01.contoso.com"),
             _host("cas02", "virtual_directory", "lync", "CAS02.contoso.com"),
             _host("cas03", "setting_override", subject="mail.contoso.com"),
             _host("cas04", None)]
    assert partners(hosts, "auto") == [
        {"host": "cas01", "partner": "ocs2007r2", "read": True, "name": "cas01.contoso.com"},
        {"host": "cas02", "partner": "lync", "read": True, "name": "CAS02.contoso.com"},
        {"host": "cas03", "partner": "lync", "read": True, "name": "mail.contoso.com"},
        {"host": "cas04", "partner": None, "read": False, "name": None},
    ]
    # The play's own value applies to hosts that set none.
    assert [entry["partner"] for entry in partners(hosts, "lync")] == ["lync", "lync", "lync", "lync"]


def test_what_the_server_said_is_capped_and_odd_state_is_not_trusted() -> None:
    host = _host("cas01", "virtual_directory", subject="a" * 1000)
    assert len(partners([host], "auto")[0]["name"]) == 256
    odd = {"inventory_hostname": "cas02", "owa_im_state": "not a mapping"}
    assert partners([odd], "auto") == [{"host": "cas02", "partner": None, "read": False, "name": None}]
    odd = {"inventory_hostname": "cas03", "owa_im_state": {"im_settings_from": "virtual_directory", "host_authorization": None}}
    assert partners([odd], "auto")[0] == {"host": "cas03", "partner": "ocs2007r2", "read": True, "name": None}


def test_the_filter_is_the_function_with_auto_by_default() -> None:
    im_partners = FilterModule().filters()["im_partners"]
    assert im_partners([_host("cas01", "web_config")])[0]["partner"] == "lync"
    assert im_partners([_host("cas01", "virtual_directory")])[0]["partner"] == "ocs2007r2"
