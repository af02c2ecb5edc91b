"""Pure ingest core: validation and idempotency rules, no IO."""
