"""API tokens as the admin shows them: by their user, never by their key.

DRF's token model prints its key (``str(token)``), so its admin lists every user's key and the
admin's "recent actions" keep it. This proxy names the token by its user; the key is shown
once, to whoever creates it (registry.admin.users).
"""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.models import TokenProxy


class ApiToken(TokenProxy):
    class Meta:
        proxy = True
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return gettext("API token of %(user)s") % {"user": self.user}
