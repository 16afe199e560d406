"""QA's tables."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from switchboard.common.db import BackboneTables, service_metadata


class Base(DeclarativeBase):
    metadata = service_metadata()


backbone = BackboneTables.define(Base.metadata)
