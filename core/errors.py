"""COCO's exception tree, in one place.

It sits at the bottom of the import graph (this module imports nothing of the project) so that every
layer can raise and catch the same types::

    CocoError                       base; ``user_message`` is one plain sentence for a person
    ├── UserInputError              the person's mistake: the CLI exits 2, a bot answers in one line
    │   ├── EmptyTextError          nothing to log / check / ask
    │   ├── ProjectNotFoundError    no project by that name in this workspace
    │   ├── RunNotFoundError        a run id or prefix that matches no run        (carries run_ref)
    │   └── AmbiguousRunIdError     a prefix that matches several runs            (carries run_ref, matches)
    ├── OutsideFailure              something outside COCO failed: the CLI exits 1, work stays pending
    │   ├── TrackerUnavailableError the tracker cannot be reached or answered 5xx (carries uri, request_id)
    │   ├── EngineUnavailableError  a model engine could not write a result (carries reason, request_id);
    │   │   │                       the engine catches it and the local engine writes the result instead
    │   │   ├── TransientEngineError    worth another try after a pause: overload, rate limit, timeout, 5xx
    │   │   │                           (carries retry_after)
    │   │   ├── SpendLimitError         the provider refuses for money: never retried
    │   │   └── BudgetReachedError      the workspace's monthly model budget is spent (carries spent, budget)
    │   └── DigestNotPostedError    the chat platform refused a scheduled digest: it is retried later
    └── StorageError                COCO's own database refused or failed

Errors carry the identifiers a person or an operator needs (run id, request id, URI); messages never
include secrets.
"""

from __future__ import annotations

from collections.abc import Sequence


class CocoError(Exception):
    """Base of every error COCO raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.user_message = message


class UserInputError(CocoError):
    """The person asked for something that cannot be done as asked."""


class EmptyTextError(UserInputError):
    def __init__(self, what: str = "text") -> None:
        super().__init__(f"There is no {what} to work with: the message was empty.")


class ProjectNotFoundError(UserInputError):
    def __init__(self, name: str, known: Sequence[str] = ()) -> None:
        hint = f" Known projects: {', '.join(sorted(known))}." if known else " Create it with `coco project add`."
        super().__init__(f"No project named {name!r}.{hint}")
        self.name = name


class RunNotFoundError(UserInputError):
    def __init__(self, run_ref: str, *, where: str = "the tracker") -> None:
        super().__init__(f"No run matches {run_ref!r} in {where}.")
        self.run_ref = run_ref


class AmbiguousRunIdError(UserInputError):
    def __init__(self, run_ref: str, matches: Sequence[str]) -> None:
        shown = ", ".join(m[:12] for m in list(matches)[:5])
        super().__init__(
            f"The run prefix {run_ref!r} matches {len(matches)} runs ({shown}); give more characters."
        )
        self.run_ref = run_ref
        self.matches = list(matches)


class OutsideFailure(CocoError):
    """Something COCO depends on failed; the person's work is kept and finished later."""


class TrackerUnavailableError(OutsideFailure):
    def __init__(self, uri: str, detail: str, *, request_id: str | None = None) -> None:
        rid = f" (request {request_id})" if request_id else ""
        super().__init__(f"The tracker at {uri} could not be reached: {detail}{rid}.")
        self.uri = uri
        self.request_id = request_id


class EngineUnavailableError(OutsideFailure):
    """A model engine could not write this result; the local engine writes it. ``reason`` is for people."""

    def __init__(self, reason: str, *, engine: str = "model", request_id: str | None = None) -> None:
        rid = f" (request {request_id})" if request_id else ""
        super().__init__(f"The {engine} engine failed: {reason}{rid}.")
        self.reason = reason
        self.engine = engine
        self.request_id = request_id


class TransientEngineError(EngineUnavailableError):
    """Worth another try after a pause (overload, rate limit, timeout, 5xx)."""

    def __init__(self, reason: str, *, retry_after: float | None = None, request_id: str | None = None) -> None:
        super().__init__(reason, request_id=request_id)
        self.retry_after = retry_after


class SpendLimitError(EngineUnavailableError):
    """The provider refuses because money ran out: retrying cannot help and would only add load."""


class BudgetReachedError(EngineUnavailableError):
    """The workspace's monthly model budget is spent: COCO itself stops calling the model."""

    def __init__(self, *, spent: float, budget: float) -> None:
        super().__init__("monthly budget reached")
        self.spent = spent
        self.budget = budget


class StorageError(CocoError):
    """COCO's own database failed."""


class DigestNotPostedError(OutsideFailure):
    """Raised by a ``DigestPoster`` that knows nothing reached the channel (e.g. the platform refused
    the first call): the occurrence is retried later. Any other exception from a poster is taken to
    mean "maybe posted", and the digest is not sent again."""
