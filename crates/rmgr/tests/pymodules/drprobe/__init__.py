from .module import DrProbe  # noqa: F401
