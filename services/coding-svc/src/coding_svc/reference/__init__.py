"""Bundled reference data files (samples/: small SAMPLE files in the CMS layouts; never for claims)."""
