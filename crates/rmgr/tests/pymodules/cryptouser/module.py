"""Imports a PyO3-built extension (Debian's python3-cryptography), which Pacific's
sub-interpreters cannot load twice; one interpreter per worker can."""

from mgr_module import CLIReadCommand, HandleCommandResult, MgrModule


class CryptoUser(MgrModule):
    NOTIFY_TYPES = []

    @CLIReadCommand('cryptouser digest')
    def digest(self, text: str) -> HandleCommandResult:
        """SHA-256 of <text>, computed by the cryptography package"""
        from cryptography.hazmat.primitives import hashes
        h = hashes.Hash(hashes.SHA256())
        h.update(text.encode())
        return HandleCommandResult(stdout=h.finalize().hex())

    @CLIReadCommand('cryptouser fernet')
    def fernet(self) -> HandleCommandResult:
        """Round-trip a token through cryptography's Fernet (Rust-backed)"""
        from cryptography.fernet import Fernet
        f = Fernet(Fernet.generate_key())
        return HandleCommandResult(stdout=f.decrypt(f.encrypt(b'rmgr')).decode())
