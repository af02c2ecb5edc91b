"""Auth configuration: one settings object, shared by every service that checks who is asking."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class AuthSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AUTH_", extra="ignore")

    database_url: str = Field(
        default="sqlite+aiosqlite:///./aml-data/auth.db",
        description="SQLAlchemy async URL of the users, API keys and sessions (every service reads the same one).",
    )
    session_hours: float = Field(default=8.0, gt=0, description="How long an officer's session lasts.")
    cookie_secure: bool = Field(
        default=True,
        description="Send the session cookie over HTTPS only. Turn off only for a loopback demo without TLS.",
    )
    login_max_failures: int = Field(default=5, ge=1, description="Failed logins for one user name before a pause.")
    login_window_s: float = Field(default=900.0, gt=0, description="Seconds failed logins are counted over.")
