from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class BriefingTemplate(models.Model):
    """A Word template for briefings that an office edited and uploaded (the default one is
    built by the platform and needs no row)."""

    name = models.CharField(_("模板名称"), max_length=64, unique=True)
    file = models.FileField(_("模板文件"), upload_to="briefing-templates/")
    note = models.CharField(_("说明"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("简报模板")

    def __str__(self) -> str:
        return self.name
