"""JSON documents the console reads besides metrics: eval runs and index manifests.

These are boundary models: what an eval scheduler or an indexing pipeline publishes. Unknown
keys are ignored (producers add fields), missing or mistyped required ones make the payload bad.
"""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator


class Document(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class EvalRun(Document):
    suite: str
    passed: int = Field(ge=0)
    total: int = Field(gt=0)
    model: str
    prompt: str
    index: str | None = None
    finished_at: AwareDatetime  # a time without a zone would be read as this host's local time

    @model_validator(mode="after")
    def _passed_within_total(self) -> EvalRun:
        if self.passed > self.total:
            raise ValueError(f"passed ({self.passed}) exceeds total ({self.total})")
        return self


class EvalRuns(Document):
    runs: list[EvalRun]


class IndexManifest(Document):
    index: str
    version: str
    built_at: AwareDatetime
    source_watermark: AwareDatetime
    documents: int = Field(ge=0)


class ModelList(Document):
    """OpenAI-compatible ``GET /v1/models``."""

    class Entry(Document):
        id: str

    data: list[Entry]
