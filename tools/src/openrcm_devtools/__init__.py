"""Local development and test tooling for OpenRCM (never imported by the services)."""
