"""Where the repository is, for tests that use its samples and scripts."""
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
