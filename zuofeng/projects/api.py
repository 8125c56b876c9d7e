"""API of the projects module."""

# No `from __future__ import annotations`: ninja's @paginate needs real annotations.
from ninja import Router

router = Router(tags=["projects"])
