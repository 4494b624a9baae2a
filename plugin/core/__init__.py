"""Host-free core: board model, detection, rules, checks, report and verdict; never pcbnew."""
