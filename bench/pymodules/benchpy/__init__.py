from .module import BenchPy  # noqa: F401
