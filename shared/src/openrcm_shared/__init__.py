"""OpenRCM shared library: event contracts and platform code, no business rules."""
