"""The owner's draft filing (shared with the web tests) and a temporary folder for uploads."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.web.conftest import filing  # noqa: F401  (shared fixture)


@pytest.fixture
def upload_temp(settings, tmp_path: Path) -> Path:
    """FILE_UPLOAD_TEMP_DIR in a folder of the test's own, so what an upload leaves there
    (Django's temporary files, store_upload's) can be inspected."""
    folder = tmp_path / "uploads"
    folder.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(folder)
    return folder
