"""Watchlists: loading real sanctions-list formats into one entry model, versioned snapshots, name matching."""
