"""The one version string of the package; pyproject, metadata.json and reports read it."""
__version__ = "0.2.0"
