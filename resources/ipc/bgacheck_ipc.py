"""What KiCad runs when the BGA check button is clicked (IPC plugin entry point).

KiCad starts this file with the Python of the plugin's own virtual environment, in this folder,
with the API server's socket and token in the environment. The ``bgacheck`` package sits beside it.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bgacheck.kicad.ipc_plugin import main  # noqa: E402 - the path above makes it importable

if __name__ == "__main__":
    sys.exit(main())
