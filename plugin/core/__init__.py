"""Host-free core: board model, detection, rules, checks and the report model. Never imports pcbnew."""
