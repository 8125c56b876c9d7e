"""API of the races module."""

# No `from __future__ import annotations`: ninja's @paginate needs real annotations.
from ninja import Router

router = Router(tags=["races"])
