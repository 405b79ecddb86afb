from .module import Peer  # noqa: F401
