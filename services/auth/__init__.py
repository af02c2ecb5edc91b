"""Who is asking: officers (passwords hashed with argon2, sessions in secure cookies, CSRF tokens, login
throttling) and machines (API keys stored hashed), one module for ingest, ledger and casedesk."""
