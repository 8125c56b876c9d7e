"""Request and response shapes of the races API."""

# No `from __future__ import annotations`: ninja and pydantic read these annotations at runtime.
import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Schema

from zuofeng.core.api import Input


class SeasonOut(Schema):
    code: str
    name: str
    start: dt.date
    end: dt.date
    state: str


class BoardOut(Schema):
    id: int
    name: str
    total_points: Decimal
    missing_rule: str


class RaceOut(Schema):
    id: int
    name: str
    lead_org: str
    list_size: int
    participants: list[str]
    seasons: list[SeasonOut]
    boards: list[BoardOut]


class BoardSpec(Schema):
    name: str
    total_points: Decimal
    missing_rule: str
    nodes: list[dict[str, Any]]


class BoardIn(Input):
    total_points: Decimal | None = None
    missing_rule: str | None = None
    nodes: list[dict[str, Any]]


class SeasonIn(Input):
    code: str
    start: dt.date | None = None
    end: dt.date | None = None


class ScoreOut(Schema):
    participant: str
    participant_name: str
    total: Decimal | None
    rank: int | None
    previous_rank: int | None
    rank_change: int | None
    red: bool
    black: bool
    progress: bool


class RuleOut(Schema):
    label: str
    source: str
    indicator_key: str
    filters: dict
    method: str
    rule: str
    max_points: Decimal
    unit: str


class BoardResultOut(Schema):
    id: int
    name: str
    total_points: Decimal
    missing_rule: str
    rules: list[RuleOut]
    scores: list[ScoreOut]
    red: list[str]
    black: list[str]
    progress: list[str]


class FlagOut(Schema):
    participant: str
    participant_name: str
    board: str
    seasons: str


class SeasonResultOut(SeasonOut):
    race: int
    computed_at: dt.datetime | None
    published_at: dt.datetime | None
    boards: list[BoardResultOut]
    talk_flags: list[FlagOut]


class LeafOut(Schema):
    id: int
    label: str
    source: str
    indicator_key: str
    filters: dict
    method: str
    rule: str
    value: Decimal | None
    unit: str
    points: Decimal | None
    max_points: Decimal
    leaf_rank: int | None
    records: str | None


class BreakdownBoardOut(Schema):
    board: str
    total: Decimal | None
    rank: int | None
    red: bool
    black: bool
    leaves: list[LeafOut]


class BreakdownOut(Schema):
    participant: str
    participant_name: str
    season: str
    boards: list[BreakdownBoardOut]


class RecordOut(Schema):
    id: int
    text: str


class HistoryOut(Schema):
    board: str
    seasons: list[str]
    ranks: dict[str, list[int | None]]


class EntryOut(Schema):
    id: int
    board: str
    leaf: int
    leaf_name: str
    participant: str
    value: Decimal
    evidence: str
    evidence_file: str
    state: str
    version: int
    entered_name: str
    approver_name: str
    reason: str


class EntryIn(Input):
    leaf: int
    participant: str
    value: Decimal
    evidence: str


class DecideIn(Input):
    reason: str = ""
    version: int | None = None


class ApproveIn(Input):
    version: int | None = None
