"""The project's own error: anything a caller did wrong, with where and why."""

from __future__ import annotations


class ApplicationError(Exception):
    """A 4xx-worthy problem: `code` for machines, `message` for people, `field` for where."""

    status = 400

    def __init__(
        self,
        message: str,
        *,
        code: str = "invalid",
        field: str | None = None,
        status: int | None = None,
        details: list[dict[str, str]] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field
        if status is not None:
            self.status = status
        self.details = details or []

    def as_dict(self) -> dict[str, object]:
        error: dict[str, object] = {"code": self.code, "message": self.message}
        if self.field:
            error["field"] = self.field
        if self.details:
            error["details"] = self.details
        return error


class NotFound(ApplicationError):
    status = 404

    def __init__(self, message: str, *, code: str = "not_found", field: str | None = None) -> None:
        super().__init__(message, code=code, field=field)


class Moved(ApplicationError):
    """What was asked for lives under another name now: a 301 to `location`, where the old
    name in the request's path is replaced by `new` (a renamed or merged listing's slug)."""

    status = 301

    def __init__(self, *, old: str, new: str) -> None:
        super().__init__(f"{old!r} is now {new!r}", code="moved", field="slug")
        self.old = old
        self.new = new
