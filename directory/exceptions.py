class Conflict(Exception):
    """The write would break a uniqueness rule (a taken username or group name)."""
