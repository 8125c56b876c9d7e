"""Authorization in one place: which actions a user holds, and at which subtrees."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from zuofeng.orgs.models import minimal_paths
from zuofeng.orgs.permissions import ROLE_ACTIONS


def grants(user) -> list[tuple[str, str]]:
    """(role, org path) pairs of an active user, loaded once per user object."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, "_zuofeng_grants", None)
    if cached is None:
        cached = list(user.role_assignments.values_list("role", "org__path"))
        user._zuofeng_grants = cached
    return cached


def roles(user) -> set[str]:
    return {role for role, _ in grants(user)}


def paths_for(user, action: str) -> list[str]:
    """The roots of the subtrees where the user may perform `action` (minimal, sorted)."""
    return minimal_paths(path for role, path in grants(user) if action in ROLE_ACTIONS[role])


def can(user, action: str) -> bool:
    return any(action in ROLE_ACTIONS[role] for role, _ in grants(user))


def require(user, action: str) -> list[str]:
    """403 unless the user holds the action somewhere; returns the subtree roots."""
    paths = paths_for(user, action)
    if not paths:
        raise PermissionDenied
    return paths


def can_at(user, action: str, path: str) -> bool:
    return any(path.startswith(p) for p in paths_for(user, action))


def require_at(user, action: str, path: str) -> None:
    """404 when the target is outside every subtree where the user holds the action."""
    if not can_at(user, action, path):
        raise Http404


def roles_at(user, path: str) -> set[str]:
    """Roles the user holds at an org whose subtree contains `path`."""
    return {role for role, root in grants(user) if path.startswith(root)}


def roles_inside(user, path: str) -> set[str]:
    """Roles the user holds at `path` itself or below it (they belong to that unit)."""
    return {role for role, root in grants(user) if root.startswith(path)}
