"""Reads KiCad's .kicad_pcb files (KiCad 6 to 10) into the BoardModel without KiCad."""
from .board import (
                    NEWEST_VERSION,
                    OLDEST_VERSION,
                    BoardFileError,
                    BoardFileInfo,
                    file_version,
                    read_board_file,
)

__all__ = ["BoardFileError", "BoardFileInfo", "read_board_file", "file_version", "OLDEST_VERSION",
           "NEWEST_VERSION"]
