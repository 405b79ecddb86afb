"""Conformance probe: importing the module fails (cases L7, L8)."""

import nonexistent_dependency_xyz  # noqa: F401

from mgr_module import MgrModule


class Module(MgrModule):
    pass
