"""Pure watchlist core: the entry model, normalisation and matching. No IO."""
