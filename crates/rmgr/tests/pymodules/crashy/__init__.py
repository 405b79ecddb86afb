from .module import Crashy  # noqa: F401
