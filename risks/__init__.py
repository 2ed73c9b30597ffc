"""The default hardware risk register (YAML), shipped in the wheel."""
