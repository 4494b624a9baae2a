"""Renderers: pure functions from a Report to text (JSON, SARIF, JUnit, Markdown, HTML)."""
