"""The case desk: officers triage holds and flags as cases, four eyes, audit; resolutions reach the ledger."""
