"""kb_service settings."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class KbSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="KB_", extra="ignore")

    # The calibrated confidence below which the bot hands off instead of answering.
    threshold: float = 0.6
    # Texts a refit embeds itself; the rest are embedded in the background, then refitted.
    fit_embed_budget: int = 64
    embed_batch: int = 64
    # How often each replica checks whether the knowledge base changed under it.
    version_poll_s: float = 1.0
    # How long an import waits for this replica's refit before answering anyway.
    import_wait_s: float = 5.0
    # How long a question waits for the first fit after a start.
    ready_wait_s: float = 10.0
    # The same for a customer message from chat: waiting beats handing the customer to a
    # human only because this replica has just started.
    event_ready_wait_s: float = 120.0
    assist_limit: int = 3
    # How long a replica's replies keep mentioning the incidents it last read.
    incidents_ttl_s: float = 2.0
