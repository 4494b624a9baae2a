"""The only package that imports KiCad (pcbnew, wx): board reader, writer, ActionPlugin."""
