"""What a failed call raises: one base class carrying everything the sidecar said."""

from __future__ import annotations

from typing import Optional


class RemoteError(Exception):
    """A call did not return a value.

    `status` is the HTTP status the sidecar answered, `message` its text. When the Java
    service threw, `java_class` names the exception's class (and `reason` is None); when
    the mesh could not make the call, `reason` is the stable id (PMESH_NO_ROUTE...).
    """

    def __init__(self, status: int, message: str, java_class: Optional[str] = None, reason: Optional[str] = None) -> None:
        super().__init__(f"{java_class}: {message}" if java_class else f"{reason} ({status}): {message}")
        self.status = status
        self.message = message
        self.java_class = java_class
        self.reason = reason


class JavaException(RemoteError):
    """The Java service threw: `java_class` is the exception's class."""

    def __init__(self, java_class: str, message: str, status: int = 500) -> None:
        super().__init__(status, message, java_class=java_class)


class MeshError(RemoteError):
    """The mesh could not make the call: `reason` is the stable id (PMESH_NO_ROUTE...), `status` the HTTP status."""

    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(status, message, reason=reason)
