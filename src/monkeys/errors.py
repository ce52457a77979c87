"""Errors shared across modules."""


class PlanError(ValueError):
    """The config is valid against the schema but inconsistent (an unknown task, a bad option)."""


class VerifierUnavailable(RuntimeError):
    """This machine lacks what a verifier needs (a sandbox, a Lean toolchain, docker, the pinned
    math-verify): judging would give wrong verdicts, so the verify job stops with the reason and
    the setup command."""
