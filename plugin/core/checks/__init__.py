"""Check stages; importing this package registers each module's stage with the pipeline.

Each module holds one rule family and registers its stage at import (``pipeline.register_stage``,
or ``pipeline.register_array_check`` for a check that looks at one array at a time),
where ``fn(model, arrays, options, report)`` appends Findings and per-BGA ``extra`` entries.
"""
import importlib

STAGE_MODULES = ("land", "vias", "fanout", "clearance", "channels", "escape", "standoff")
"""Run order. A module that is not present is skipped, so stages can be added one at a time."""

for _name in STAGE_MODULES:
    try:
        importlib.import_module(f"{__name__}.{_name}")
    except ModuleNotFoundError as _exc:
        if _exc.name != f"{__name__}.{_name}":
            raise
