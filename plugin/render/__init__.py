"""Renderers: pure functions from a Report to text (JSON, SARIF, JUnit, Markdown, HTML).

``rule_sets`` renders rule profiles and rule sets instead: what ``bga-check rules`` prints.
"""
