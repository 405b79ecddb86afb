from .module import Module, StandbyModule  # noqa: F401
