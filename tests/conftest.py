"""Shared fixtures. Each area keeps its fixtures in tests/fixtures_<area>.py, imported here."""
from tests.fixtures_samples import check_samples, load_generator  # noqa: F401


def pytest_collection_modifyitems(config, items):
    """A test that needs the generated PDF samples (two minutes to make) is slow by nature."""
    import pytest

    for item in items:
        if "check_samples" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)
