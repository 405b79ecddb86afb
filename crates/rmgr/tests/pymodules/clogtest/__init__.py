from .module import ClogTest  # noqa: F401
