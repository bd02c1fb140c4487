"""JSON documents the console reads besides metrics: eval runs and index manifests.

These are boundary models: what an eval scheduler or an indexing pipeline publishes. Unknown
keys are ignored (producers add fields), missing or mistyped required ones make the payload bad.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class Document(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class EvalRun(Document):
    suite: str
    passed: int = Field(ge=0)
    total: int = Field(gt=0)
    model: str
    prompt: str
    index: str | None = None
    finished_at: datetime


class EvalRuns(Document):
    runs: list[EvalRun]


class IndexManifest(Document):
    index: str
    version: str
    built_at: datetime
    source_watermark: datetime
    documents: int = Field(ge=0)


class ModelList(Document):
    """OpenAI-compatible ``GET /v1/models``."""

    class Entry(Document):
        id: str

    data: list[Entry]
