from .module import PeerCmd  # noqa: F401
