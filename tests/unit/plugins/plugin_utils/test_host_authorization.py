# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import pytest

from ansible_collections.exchange.owa_im.plugins.plugin_utils._host_authorization import HostAuthorizationError, entry, subject_common_name


def cert(subject: str, *domains: str) -> dict:
    return {"thumbprint": "AB" * 20, "subject": subject, "domains": list(domains)}


@pytest.mark.parametrize("subject,expected", [
    ("CN=cas01.contoso.com", "cas01.contoso.com"),
    ("CN=mail.contoso.com, OU=Messaging, O=Contoso, L=Redmond, S=WA, C=US", "mail.contoso.com"),
    ("cn = mail.contoso.com ,O=Contoso", "mail.contoso.com"),
    ("O=Contoso\\, Inc., CN=mail.contoso.com", "mail.contoso.com"),
    ("O=Contoso", None),
    ("", None),
    (None, None),
])
def test_the_subjects_common_name(subject, expected) -> None:
    assert subject_common_name(subject) == expected


def test_a_shared_certificate_names_the_array_not_the_server() -> None:
    found = entry(cert("CN=mail.contoso.com, O=Contoso", "mail.contoso.com", "cas01.contoso.com", "cas02.contoso.com"),
                  None, "owa_im_cas_fqdn", "CAS01")
    assert found["name"] == "mail.contoso.com" and found["from"] == "certificate"
    assert found["domains"] == ["mail.contoso.com", "cas01.contoso.com", "cas02.contoso.com"]


def test_a_given_name_equal_to_the_subject_passes_whatever_its_case_or_final_dot() -> None:
    assert entry(cert("CN=CAS01.contoso.com", "cas01.contoso.com"), "cas01.CONTOSO.com.", "owa_im_cas_fqdn", "CAS01")["name"] \
        == "CAS01.contoso.com"


def test_a_given_name_that_is_not_the_subject_is_refused_naming_both() -> None:
    with pytest.raises(HostAuthorizationError) as refused:
        entry(cert("CN=mail.contoso.com", "mail.contoso.com", "cas01.contoso.com"), "cas01.contoso.com", "owa_im_cas_fqdn", "CAS01")
    message = str(refused.value)
    assert "owa_im_cas_fqdn is cas01.contoso.com" in message and "subject name mail.contoso.com" in message
    assert "Set owa_im_cas_fqdn to mail.contoso.com, or leave it empty" in message and "Nothing was changed" in message


def test_a_subject_missing_from_the_alternative_names_is_refused() -> None:
    with pytest.raises(HostAuthorizationError, match="not among its subject alternative names"):
        entry(cert("CN=mail.contoso.com", "owa.contoso.com"), None, "owa_im_cas_fqdn", "CAS01")


def test_a_subject_without_common_name_is_refused() -> None:
    with pytest.raises(HostAuthorizationError, match="no common name in its subject"):
        entry(cert("O=Contoso", "mail.contoso.com"), None, "owa_im_cas_fqdn", "CAS01")


def test_without_a_certificate_the_given_name_stands_and_says_where_it_came_from() -> None:
    assert entry(None, "cas01.contoso.com", "owa_im_cas_fqdn", "CAS01")["from"] == "variable"
    assert entry(None, None, "owa_im_cas_fqdn", "CAS01")["name"] is None


def test_a_wildcard_subject_is_no_host_authorization_name() -> None:
    with pytest.raises(HostAuthorizationError, match="wildcard subject"):
        entry(cert("CN=*.contoso.com", "*.contoso.com"), None, "owa_im_cas_fqdn", "CAS01")


def test_what_the_server_sent_is_capped() -> None:
    long_name = "a" * 60 + "." + "b" * 400 + ".com"
    found = entry(cert("CN=" + long_name, long_name, *["x%d.contoso.com" % i for i in range(50)]), None, "owa_im_cas_fqdn", "CAS01")
    assert len(found["subject"]) <= 300 and len(found["domains"]) == 20 and len(found["name"]) <= 256
