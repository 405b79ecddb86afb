from .module import InitCall  # noqa: F401
