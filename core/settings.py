"""One settings object, read from ``AZX_*`` environment variables and validated at start-up.

Every variable is documented in README.md under "Configuration".
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "get_settings"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AZX_", extra="ignore")

    data_dir: Path = Field(Path("var/azx"), description="All local state: SQLite, embedded S3 data, keys.")
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; default sqlite:///<data_dir>/registry.sqlite3"
    )

    # Object storage (S3 with Object Lock). Unset endpoint → embedded SeaweedFS.
    s3_endpoint: str | None = Field(None, description="host:port of an S3 server; unset → embedded")
    s3_access_key: str = "azx-embedded"
    s3_secret_key: SecretStr = SecretStr("")
    s3_admin_access_key: str | None = Field(
        None, description="Identity that creates and configures the bucket at start-up only "
        "(the service's own identity may not); embedded: azx-embedded-admin; outside S3 unset "
        "→ the service identity only checks an existing bucket")
    s3_admin_secret_key: SecretStr = Field(
        SecretStr(""), description="Its secret; embedded: generated, kept in the data dir")
    s3_bucket: str = "azx-archive"
    s3_secure: bool = False
    s3_region: str = "us-east-1"

    retention_years: int = Field(5, ge=5, description="Default archive retention (years, ≥ 5)")
    retention_overrides: dict[str, int] = Field(
        default_factory=dict,
        description='JSON map "tenant" / "tenant:type" / ":type" → years (each ≥ the default)',
    )

    public_base_url: str = Field("http://127.0.0.1:8000", description="Base of the QR verify URLs")
    signing_p12: Path | None = None
    signing_p12_password: SecretStr | None = None
    tsa_url: str | None = None
    signing_long_term: bool = Field(
        False, description="With AZX_TSA_URL: sign at PAdES B-LTA (the DSS holds the chains and "
        "revocation data of the signature and its time stamp, and a document time stamp covers "
        "them), so that a signature still validates after its certificate expired")
    timestamp_renew_days: int = Field(
        365, ge=1, le=3650, description="Renew a B-LTA record's archive time stamp (azx "
        "timestamps renew, and weekly in the service when AZX_TSA_URL is set) once the "
        "certificate of its last document time stamp ends within this many days")

    risk_bands: dict[str, str] = Field(
        default_factory=dict,
        description='JSON: profile (or "profile:lec") → band scheme, e.g. {"chengdu": "LS-B"}',
    )

    pdf_engine: Literal["typst", "weasyprint"] = Field(
        "typst", description="PDF typesetter: typst (fast, default) or weasyprint")

    broker_url: str | None = Field(None, description="Celery broker; unset → in-process jobs")

    # Completing records (services/archive.py): leases and the recovery loop.
    record_lease_seconds: float = Field(
        30.0, gt=0, description="A writer holds a pending record this long (renewed after each "
        "part it writes); a record whose writer died is completed by another process once the "
        "lease runs out")
    recovery_interval: float = Field(
        5.0, gt=0, description="Seconds between passes of the loop that completes pending "
        "records (after a store outage, within this interval of the store coming back)")
    check_at_archiving: bool = Field(
        True, description="Run the 四性 check (DA/T 70; services/four_properties.py) on each "
        "record once it is under lock and note the outcome in the audit log")

    # Jobs, workers and webhooks (services/jobs/); defaults suit one machine.
    job_threads: int = Field(2, ge=1, le=64, description="Embedded mode: threads rendering jobs")
    queue_prefix: str = Field("azx", pattern=r"^[A-Za-z0-9_.\-]{1,40}$",
                              description="Celery queues <prefix>.interactive|batch|webhooks")
    task_soft_time_limit: int = Field(600, ge=1, description="Celery: seconds before a job is "
                                      "told to stop (it fails with 'timeout')")
    task_time_limit: int = Field(660, ge=2, description="Celery: seconds before the worker "
                                 "process running a job is killed")
    broker_visibility_timeout: int = Field(3600, ge=5, description="Redis: seconds before a "
                                           "message taken by a vanished worker is redelivered")
    job_max_attempts: int = Field(10, ge=1, description="Claims of one job before it fails")
    job_requeue_after: int = Field(3600, ge=10, description="Seconds before a queued job whose "
                                   "message may have been lost is sent again")
    batch_max_items: int = Field(10_000, ge=1, le=100_000)
    batch_max_bytes: int = Field(256 * 1024 * 1024, ge=1024)
    sweep_interval: float = Field(15.0, gt=0, description="Celery: seconds between sweeps")
    local_poll_interval: float = Field(1.0, gt=0, description="Embedded: retry/sweep loop tick")
    webhook_timeout: float = Field(10.0, gt=0)
    webhook_retry_base: float = Field(30.0, gt=0, description="First retry delay (s), doubling")
    webhook_retry_max: float = Field(7200.0, gt=0, description="Longest delay between retries")
    webhook_retry_window: float = Field(86400.0, gt=0, description="Retry for this long (s)")
    webhooks_per_tenant: int = Field(20, ge=1)
    webhook_allow_hosts: list[str] = Field(
        default_factory=list,
        description='JSON list of targets webhooks may reach although not public: IP addresses, '
        'CIDR networks or exact host names, e.g. ["127.0.0.1", "10.20.0.0/16", "hooks.corp"] '
        "(tests, private deployments). Empty: public addresses only, checked after DNS at "
        "registration and at every delivery")

    # Obligations (services/obligations.py): deadlines from the standards, on working days.
    obligation_lead_working_days: int = Field(
        2, ge=0, le=30, description="An obligation still due is 'due soon' (webhook "
        "obligation.due_soon, GET /v1/obligations?state=due_soon) when its deadline is at most "
        "this many working days away")
    obligation_scan_interval: float = Field(
        300.0, gt=0, description="Seconds between the sweep's passes that judge every policy's "
        "obligations and send obligation.due_soon / obligation.overdue (once per obligation and "
        "state)")

    # Web pages (/app; api/web/, services/web_sessions.py).
    web_session_secret: SecretStr | None = Field(
        None, description="Key of the /app session tokens and CSRF tokens (any long random "
        "string, the same on every API process); unset → made once under <data_dir>/keys/")
    web_session_hours: float = Field(
        8.0, gt=0, le=24 * 7, description="An /app session ends this many hours after sign-in")

    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "INFO"

    # Input limits (each a named rule in validation errors).
    max_body_bytes: int = 20 * 1024 * 1024
    max_rows: int = 2000
    max_photo_bytes: int = 5 * 1024 * 1024
    max_photos_per_row: int = 4
    verify_max_pages: int = Field(1000, ge=1, description="POST /v1/verify: pages of a posted "
                                  "PDF (pdf_pages 422 before any signature work); the longest "
                                  "record the service makes within max_rows has about 450")

    # Rate limits (api/ratelimit.py): 429 with Retry-After. Each is a limit string of the
    # `limits` library ("600/minute", "20/second;600/minute"); "0" or empty switches it off.
    rate_limit_address: str = Field(
        "6000/minute", description="Every request, per client address (IPv6: per /64)")
    rate_limit_key: str = Field(
        "3000/minute", description="Every request presenting an API key, per key")
    rate_limit_verify: str = Field(
        "30/minute", description="POST /v1/verify (public, the costliest check), per client "
        "address, on top of rate_limit_address")
    rate_limit_storage: str | None = Field(
        None, description="Where counts are kept: memory:// (this process) or redis://host:port/db "
        "(shared by every API process); unset → the broker's Redis when AZX_BROKER_URL is "
        "redis://, else memory://")
    trusted_proxies: list[str] = Field(
        default_factory=list, description='JSON list of proxy addresses or networks, e.g. '
        '["10.0.0.5", "10.1.0.0/16"]: only when the socket peer is one of them is the client '
        "address taken from X-Forwarded-For (the right-most hop that is not a trusted proxy)")

    @field_validator("rate_limit_address", "rate_limit_key", "rate_limit_verify")
    @classmethod
    def _limit_string(cls, v: str) -> str:
        from limits import parse_many

        v = v.strip()
        if v in ("", "0"):
            return ""
        try:
            items = parse_many(v)
        except ValueError as exc:
            raise ValueError(f"{v!r} is not a rate limit such as '600/minute': {exc}") from None
        if any(item.amount < 1 for item in items):  # "0/minute" would refuse every request
            raise ValueError(f"{v!r} allows nothing; switch a limit off with 0 or empty")
        return v

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, v: list[str]) -> list[str]:
        from ipaddress import ip_network

        for item in v:
            ip_network(item, strict=False)  # ValueError names the bad entry
        return v

    @field_validator("public_base_url")
    @classmethod
    def _strip_slash(cls, v: str) -> str:
        return v.rstrip("/")

    @model_validator(mode="after")
    def _check_overrides(self) -> Settings:
        for key, years in self.retention_overrides.items():
            if years < self.retention_years:
                raise ValueError(
                    f"AZX_RETENTION_OVERRIDES[{key!r}]={years} is shorter than the "
                    f"default {self.retention_years} years; retention may only be longer"
                )
        return self

    @property
    def job_lease(self) -> float:
        """How long a claimed job belongs to its worker (a hard-killed task is over by then)."""
        return float(self.task_time_limit + 60)

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'registry.sqlite3').resolve()}"

    @property
    def embedded_s3(self) -> bool:
        return not self.s3_endpoint

    def ensure_dirs(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
