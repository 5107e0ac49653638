"""Every privacy test keeps its spool and media in a folder of its own, to look through."""

import pytest


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path  # the spool lives here
    settings.MEDIA_ROOT = tmp_path / "media"  # proposal documents
    return tmp_path
