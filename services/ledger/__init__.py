"""Reference token ledger: registers transfers as pending and settles, escrows, returns or
freezes them only as the screening decisions (and officers' resolutions) say.

Entry points: `services.ledger.app.run(settings)` and the Typer app in `services.ledger.cli`.
"""
