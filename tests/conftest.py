"""Shared fixtures. Each area keeps its fixtures in tests/fixtures_<area>.py, imported here."""
from tests.fixtures_samples import check_samples, load_generator  # noqa: F401
