"""The one error type whose message is safe and meant to be shown to the user."""


class UserFacingError(Exception):
    """An expected failure (bad argument, unknown account, not allowed); shown ephemerally."""
