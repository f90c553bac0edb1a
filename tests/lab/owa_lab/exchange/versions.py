"""What differs between the Exchange versions the lab can run."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ExchangeVersion:
    key: str
    display: str
    build: str
    snapin: str
    ps_version: float
    install_path: str
    im_types: tuple[str, ...]  # InstantMessagingTypeOptions: None, Ocs, Msn in the exchg.140 and exchg.150 API references
    # Get-OwaVirtualDirectory -ADPropertiesOnly: documented for "Exchange Server 2010" in the cmdlet reference, whose 2010
    # pages describe SP3; whether SP1 had it is not established, so the lab's 2010 SP1 does not (the stricter choice).
    vdir_ad_properties_only: bool = True
    # -ShowMailboxVirtualDirectories: Exchange 2013 and later only (the reference's "Applicable" line).
    vdir_show_mailbox: bool = True


E2010_SNAPIN = "Microsoft.Exchange.Management.PowerShell.E2010"
E2013_SNAPIN = "Microsoft.Exchange.Management.PowerShell.SnapIn"

VERSIONS = {
    "2010sp1": ExchangeVersion("2010sp1", "Version 14.1 (Build 218.15)", "14.1.218.15", E2010_SNAPIN, 2.0,
                               r"C:\Program Files\Microsoft\Exchange Server\V14", ("None", "Ocs", "Msn"),
                               vdir_ad_properties_only=False, vdir_show_mailbox=False),
    "2010sp3": ExchangeVersion("2010sp3", "Version 14.3 (Build 123.4)", "14.3.123.4", E2010_SNAPIN, 2.0,
                               r"C:\Program Files\Microsoft\Exchange Server\V14", ("None", "Ocs", "Msn"), vdir_show_mailbox=False),
    "2013": ExchangeVersion("2013", "Version 15.0 (Build 1497.2)", "15.0.1497.2", E2013_SNAPIN, 4.0,
                            r"C:\Program Files\Microsoft\Exchange Server\V15", ("None", "Ocs", "Msn")),
    "2016": ExchangeVersion("2016", "Version 15.1 (Build 2507.6)", "15.1.2507.6", E2013_SNAPIN, 5.1,
                            r"C:\Program Files\Microsoft\Exchange Server\V15", ("None", "Ocs", "Msn")),
    "2019": ExchangeVersion("2019", "Version 15.2 (Build 1118.7)", "15.2.1118.7", E2013_SNAPIN, 5.1,
                            r"C:\Program Files\Microsoft\Exchange Server\V15", ("None", "Ocs", "Msn")),
    # Exchange Server Subscription Edition RTM (July 2025): build 15.2.2562.17, the same 15.2 as 2019 ("Exchange Server build
    # numbers and release dates", learn.microsoft.com), on Windows Server 2019, 2022 or 2025 with PowerShell 5.1, the same
    # snap-in and the same setting overrides as 2019.
    "se": ExchangeVersion("se", "Version 15.2 (Build 2562.17)", "15.2.2562.17", E2013_SNAPIN, 5.1,
                          r"C:\Program Files\Microsoft\Exchange Server\V15", ("None", "Ocs", "Msn")),
}

# Exchange 2013 and later: OWA's IM provider comes with the UCMA 4.0 runtime, which Exchange setup installs as a
# prerequisite; ImplementationDLLPath under this key names Microsoft.Rtc.Internal.Ucweb.dll (Skype for Business Server
# 2015, "Integrating Skype for Business Server 2015 and Outlook Web App"). The runtime's folder is the lab's assumption.
OWA_IM_KEY = "HKLM\\SYSTEM\\CurrentControlSet\\Services\\MSExchange OWA\\InstantMessaging"
UCMA4_IM_DLL = r"C:\Program Files\Microsoft UCMA 4.0\Runtime\Microsoft.Rtc.Internal.Ucweb.dll"

IM_TYPE_NUMBERS = {"None": 0, "Ocs": 1, "Msn": 2}


def setup_key(version: ExchangeVersion) -> str:
    """Where Exchange setup records its install path (MsiInstallPath): v14 for 2010, v15 for 2013 and later."""
    return "HKLM\\SOFTWARE\\Microsoft\\ExchangeServer\\" + ("v14" if version.ps_version < 3 else "v15") + "\\Setup"
