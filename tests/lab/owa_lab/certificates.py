"""The lab's certificate authority and each CAS's certificate (WinRM HTTPS and IIS alike)."""

from __future__ import annotations

import datetime as dt
import ipaddress
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def create_ca(directory: Path) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    key = _key()
    name = x509.Name([x509.NameAttribute(NameOID.DOMAIN_COMPONENT, "lab"), x509.NameAttribute(NameOID.DOMAIN_COMPONENT, "contoso"),
                      x509.NameAttribute(NameOID.COMMON_NAME, "ContosoLabCA")])
    now = dt.datetime.now(dt.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
                   .not_valid_after(now + dt.timedelta(days=3650))
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                   .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                                data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                                                encipher_only=False, decipher_only=False), critical=True)
                   .sign(key, hashes.SHA256()))
    (directory / "ca.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return certificate, key


def issue(directory: Path, ca: x509.Certificate, ca_key: rsa.RSAPrivateKey, fqdn: str, not_before: dt.datetime,
          not_after: dt.datetime, also_names: tuple[str, ...] = ()) -> dict[str, str]:
    """Issue a server certificate naming ``fqdn`` (its subject and first alternative name), its short name, ``also_names``
    (the servers that share it) and 127.0.0.1, where the lab listens."""
    key = ec.generate_private_key(ec.SECP256R1())  # fast to make, so 200 servers start quickly
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, fqdn)])
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(ca.subject).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(not_before).not_valid_after(not_after)
                   .add_extension(x509.SubjectAlternativeName([x509.DNSName(fqdn), x509.DNSName(fqdn.split(".")[0]),
                                                               *(x509.DNSName(n) for n in also_names),
                                                               x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
                   .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
                   .sign(ca_key, hashes.SHA256()))
    stem = directory / fqdn
    stem.with_suffix(".crt").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    stem.with_suffix(".key").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                                           serialization.NoEncryption()))
    return {
        "thumbprint": certificate.fingerprint(hashes.SHA1()).hex().upper(),
        "serial": f"{certificate.serial_number:X}",
        "subject": f"CN={fqdn}",
        "issuer": "CN=ContosoLabCA, DC=contoso, DC=lab",
        "not_before": not_before.replace(tzinfo=None).isoformat(timespec="seconds"),
        "not_after": not_after.replace(tzinfo=None).isoformat(timespec="seconds"),
        "cert_file": str(stem.with_suffix(".crt")),
        "key_file": str(stem.with_suffix(".key")),
    }


def load_ca(directory: Path) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    certificate = x509.load_pem_x509_certificate((directory / "ca.pem").read_bytes())
    key = serialization.load_pem_private_key((directory / "ca.key").read_bytes(), password=None)
    return certificate, key  # type: ignore[return-value]


def save_ca_key(directory: Path, key: rsa.RSAPrivateKey) -> None:
    path = directory / "ca.key"
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                       serialization.NoEncryption()))
    path.chmod(0o600)
