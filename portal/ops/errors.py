"""The restore drill's two kinds of failure."""


class DrillConfigError(Exception):
    """The drill cannot start: a setting is missing or wrong. Exit status 2."""


class StepFailed(Exception):
    """A step of the drill failed; the message says what, where and how to fix it. Exit status 1."""
