"""Offline evaluation of the screening components against third-party labelled data."""
