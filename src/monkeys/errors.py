"""Errors shared across modules."""


class VerifierUnavailable(RuntimeError):
    """This machine lacks what a verifier needs (a sandbox, a Lean toolchain, docker): judging
    would give wrong verdicts, so the verify job stops with the reason and the setup command."""
