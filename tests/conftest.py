"""Shared fixtures. Each area keeps its fixtures in tests/fixtures_<area>.py, imported here."""
from tests.fixtures_samples import check_samples, load_generator  # noqa: F401


# Fixtures that take from 15 s to two minutes: the generated PDF samples, the documents of every
# sample built with LibreOffice. A test that needs one of them is slow by nature.
SLOW_FIXTURES = {"check_samples", "built", "built_01"}


def pytest_collection_modifyitems(config, items):
    import pytest

    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
