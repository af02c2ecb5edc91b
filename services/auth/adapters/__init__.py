"""Auth storage: users, API keys, sessions and login attempts."""
