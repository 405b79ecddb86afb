from .module import Hello  # noqa: F401
