"""Common test set-up: versions in the header, real and generated boards, KiCad availability."""
from __future__ import annotations

import os
import shutil
import sys

import pytest

from paths import SHARED_BOARDS, VME_WREN, shared_boards_missing


def _pcbnew_available() -> bool:
    try:
        from bgacheck.kicad import compat

        compat.pcbnew()
        return True
    except Exception:
        return False


def pytest_report_header(config):
    import numpy
    import shapely

    kicad = "absent"
    if _pcbnew_available():
        from bgacheck.kicad import compat

        kicad = compat.kicad_version()
    return [f"numpy {numpy.__version__}, shapely {shapely.__version__} (GEOS "
            f"{shapely.geos_version_string}), KiCad {kicad}, evolver "
            f"{'present' if shutil.which('evolver') else 'absent'}, "
            f"python {sys.version.split()[0]}"]


@pytest.fixture(scope="session")
def pcbnew_module():
    """The real pcbnew module; in CI its absence is a failure, elsewhere a skip with the reason."""
    if not _pcbnew_available():
        if os.environ.get("CI"):
            pytest.fail("KiCad's pcbnew module is required in CI (make setup installs it)")
        pytest.skip("KiCad 9 pcbnew module not installed (run `make setup`)")
    from bgacheck.kicad import compat

    return compat.pcbnew()


@pytest.fixture(scope="session")
def shared_boards():
    """Folder of the third-party real boards (read only); a skip, with the reason, without it."""
    reason = shared_boards_missing()
    if reason:
        pytest.skip(reason)
    return SHARED_BOARDS


@pytest.fixture(scope="session")
def generated_board(pcbnew_module, tmp_path_factory):
    """A board generated here (fixtures/fanout.py), one 8 x 8 BGA with one ball left unfanned,
    for tests that need some board with BGA findings rather than a particular real one. Read
    only: copy it (fixture_boards.copy_board) before writing beside it."""
    from fixture_boards import write_board_with_findings

    return write_board_with_findings(tmp_path_factory.mktemp("generated-board"))


@pytest.fixture(scope="session")
def vme_wren(pcbnew_module):
    """Path of KiCad's vme-wren demo board (Debian kicad-demos)."""
    if not VME_WREN.is_file():
        pytest.fail(f"{VME_WREN} missing: install kicad-demos (make setup)")
    return VME_WREN


@pytest.fixture(scope="session")
def vme_wren_model(vme_wren):
    """vme-wren read once for every test that needs it (loading takes ~10 s)."""
    from bgacheck import api

    return api.read_model(str(vme_wren), reader="pcbnew")
