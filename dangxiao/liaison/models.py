"""Residential compounds (小区) with their coordinates; buildings, households and matters build on them."""

from django.db import models

from dangxiao.people.models import Organization


class Compound(models.Model):
    community = models.ForeignKey(Organization, verbose_name="所属社区", on_delete=models.PROTECT, related_name="compounds")
    name = models.CharField("小区名称", max_length=60)
    address = models.CharField("地址", max_length=200, blank=True)
    latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)

    class Meta:
        verbose_name = "小区"
        verbose_name_plural = "小区"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="compound_unique_per_community")]

    def __str__(self) -> str:
        return self.name
