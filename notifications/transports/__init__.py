"""Notification transports, one module each on transports.base (STYLE rule 6)."""
