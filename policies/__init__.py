"""The built-in policy library (YAML files beside this one), shipped in the wheel."""
