"""Commands of this area (to be written)."""


def register(app) -> None:
    pass
