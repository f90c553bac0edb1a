from __future__ import annotations

import pytest

from ansible_collections.exchange.owa_im.plugins.plugin_utils import _owa_settings as owa_settings
from ansible_collections.exchange.owa_im.plugins.plugin_utils._records import RecordError, parse_records

TP = "8210E17393B6E81AD0B3A75DD9161ABE1A93B695"


@pytest.mark.parametrize("raw", [TP, TP.lower(), "82 10 e1 73 93 b6 e8 1a d0 b3 a7 5d d9 16 1a be 1a 93 b6 95",
                                 "\u200e" + TP, "82:10:E1:73:93:B6:E8:1A:D0:B3:A7:5D:D9:16:1A:BE:1A:93:B6:95"])
def test_thumbprint_normalised(raw: str) -> None:
    assert owa_settings.normalise_thumbprint(raw) == TP


@pytest.mark.parametrize("raw", ["1F 5E DD 03 00 00 00 00 00 05", TP + "0", "Z" * 40, ""])
def test_bad_thumbprint_names_field(raw: str) -> None:
    with pytest.raises(owa_settings.SettingError, match="instant_messaging_certificate_thumbprint"):
        owa_settings.normalise_thumbprint(raw)


@pytest.mark.parametrize("raw,expected", [("OCS", "Ocs"), ("1", "Ocs"), (0, "None"), ("msn", "Msn")])
def test_type(raw: object, expected: str) -> None:
    assert owa_settings.normalise_type(raw) == expected


@pytest.mark.parametrize("name", ["ocs", "ocs.contoso.com'; rm x", "a b.com", "ocs.contoso.com`n", "$(x).com"])
def test_bad_server_name(name: str) -> None:
    with pytest.raises(owa_settings.SettingError, match="instant_messaging_server_name"):
        owa_settings.validate_server_name(name)


def test_differences_compare_as_exchange_does() -> None:
    current = {"InstantMessagingEnabled": True, "InstantMessagingType": "Ocs", "InstantMessagingServerName": "OCS.contoso.com",
               "InstantMessagingCertificateThumbprint": TP.lower()}
    desired = owa_settings.desired_settings({"instant_messaging_enabled": True, "instant_messaging_type": "1",
                                             "instant_messaging_server_name": "ocs.contoso.com",
                                             "instant_messaging_certificate_thumbprint": TP})
    assert owa_settings.differences(current, desired) == {}
    assert owa_settings.differences({"InstantMessagingEnabled": None}, {"InstantMessagingEnabled": False}) == {"InstantMessagingEnabled": False}


def test_records_strict() -> None:
    assert parse_records("OWAIM|before|X|bool|VHJ1ZQ==\r\n\r\n") == {"before": {"X": True}}
    with pytest.raises(RecordError):
        parse_records("WARNING: something\r\n")


@pytest.mark.parametrize("version,later", [("Version 14.1 (Build 218.15)", False), ("Version 14.3 (Build 123.4)", False),
                                           ("Version 15.0 (Build 1497.2)", True), ("Version 15.2 (Build 1118.7)", True), (None, False)])
def test_later_versions_are_flagged(version: object, later: bool) -> None:
    note = owa_settings.later_version_note(version)
    assert (note is not None) == later
    if later:
        assert "New-SettingOverride" in note
