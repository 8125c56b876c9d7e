"""makemessages that also extracts `_l(...)`: modules import gettext_lazy as `_l` beside
gettext as `_`, and xgettext only knows the names it is told."""

from django.core.management.commands.makemessages import Command as DjangoCommand


class Command(DjangoCommand):
    xgettext_options = [*DjangoCommand.xgettext_options, "--keyword=_l"]
