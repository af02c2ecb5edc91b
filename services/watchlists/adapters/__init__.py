"""Readers of the real list formats (one module per format), all producing `WatchlistEntry`."""
