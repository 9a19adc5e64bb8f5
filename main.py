"""Kiosk entry point (placeholder until the touchscreen app lands)."""
