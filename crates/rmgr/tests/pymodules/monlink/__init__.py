from .module import MonLink  # noqa: F401
