"""Authentication: accounts from the demo log in only while the server runs in demo mode."""

from django.conf import settings
from django.contrib.auth.backends import ModelBackend


class ZuofengBackend(ModelBackend):
    def user_can_authenticate(self, user) -> bool:
        if getattr(user, "is_demo", False) and not settings.DEMO_MODE:
            return False
        return super().user_can_authenticate(user)
