"""Stand-ins for hardware libraries (no GPU or driver needed)."""
