"""Versioned screening policy files (TOML); `default.toml` is the packaged default."""
