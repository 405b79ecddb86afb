from .module import CryptoUser  # noqa: F401
