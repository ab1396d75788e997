"""Settings base every service builds on: pydantic-settings that fail fast outside dev mode."""

from __future__ import annotations

from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_JWT_SECRET = "dev-only-jwt-secret-change-me-0000000000"

# Idle HTTP connections: every service keeps one open this long (uvicorn --timeout-keep-alive,
# whose default is 5 s), and a caller's pool (the gateway's) drops its own idle ones sooner. A
# caller that reuses a connection the server is closing at that instant gets a disconnect, and
# the gateway answered 503 (aiohttp pools idle connections for 15 s by default).
SERVER_KEEP_ALIVE_S = 30
CLIENT_KEEP_ALIVE_S = 15


class ServiceSettings(BaseSettings):
    """What every process needs: where its database and the broker are, and the token secret."""

    model_config = SettingsConfigDict(env_prefix="MADOGUCHI_", extra="ignore")

    dev_mode: bool = False
    host: str = "127.0.0.1"
    port: int = 8000
    database_url: str = ""
    db_pool_size: int = 5
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    # Off against the embedded Tansu broker (no InitProducerId); on for Apache Kafka.
    kafka_idempotence: bool = False
    jwt_secret: SecretStr = SecretStr(DEV_JWT_SECRET)
    jwt_ttl_s: int = 8 * 3600
    log_level: str = "INFO"
    relay_poll_s: float = 1.0
    # How long a fetch may wait at the broker for new events. The embedded Tansu broker can
    # hold a waiting fetch until this runs out even when events arrive, adding up to this
    # much to every hop of an event chain (a bot reply in chat takes three).
    kafka_fetch_max_wait_ms: int = 100

    @model_validator(mode="after")
    def _refuse_dev_defaults_outside_dev(self) -> ServiceSettings:
        if not self.dev_mode and self.jwt_secret.get_secret_value() == DEV_JWT_SECRET:
            raise ValueError("jwt_secret is the dev default; set a real secret outside dev mode")
        if len(self.jwt_secret.get_secret_value()) < 32:
            raise ValueError("jwt_secret must be at least 32 characters")
        return self

    def async_database_url(self) -> str:
        """The database URL with the asyncpg driver named, as SQLAlchemy wants it."""
        url = self.database_url
        for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+asyncpg://" + url[len(prefix) :]
        raise ValueError("database_url must be a postgresql:// URL")
