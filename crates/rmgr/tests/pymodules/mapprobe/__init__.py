from .module import MapProbe  # noqa: F401
