"""The business's own settings: one row, read by the clock, intake and reports."""

import zoneinfo
from datetime import time

import holidays
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE

from handraise.core.placeholders import ENQUIRY, PlaceholderValidator, help_text

PHONE_REGIONS = sorted({r for regions in COUNTRY_CODE_TO_REGION_CODE.values() for r in regions})


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a time zone such as Europe/London.")


def validate_phone_region(value: str) -> None:
    if value not in PHONE_REGIONS:
        raise ValidationError(f"{value!r} is not a two-letter country code such as GB or US.")


class BusinessSettings(models.Model):
    """The singleton describing the business (pk is always 1; use ``BusinessSettings.load()``)."""

    name = models.CharField(max_length=200, default="My business")
    time_zone = models.CharField(
        max_length=64, default="Europe/London", validators=[validate_time_zone]
    )
    holiday_country = models.CharField(
        max_length=2,
        default="GB",
        blank=True,
        validators=[RegexValidator(r"^[A-Z]{2}$", "Use a two-letter country code such as GB.")],
        help_text="Public holidays of this country are not business days.",
    )
    holiday_subdivision = models.CharField(
        max_length=10, blank=True, help_text="State or region for holidays, e.g. ENG or CA."
    )
    default_phone_region = models.CharField(
        max_length=2,
        default="GB",
        validators=[validate_phone_region],
        help_text="Country assumed for phone numbers written without +country code.",
    )
    response_target_minutes = models.PositiveIntegerField(
        default=60,
        validators=[MinValueValidator(5), MaxValueValidator(60 * 24 * 10)],
        help_text="First-response target, in business minutes.",
    )
    currency = models.CharField(
        max_length=3,
        default="GBP",
        validators=[RegexValidator(r"^[A-Z]{3}$", "Use a three-letter currency code.")],
    )
    reply_to_email = models.EmailField(
        blank=True, help_text="Where enquirers' replies to acknowledgements go."
    )
    acknowledgement_subject = models.CharField(
        max_length=200,
        default="Thanks for getting in touch, {{ first_name }}",
        validators=[PlaceholderValidator(ENQUIRY)],
    )
    acknowledgement_body = models.TextField(
        default=(
            "Hello {{ first_name }},\n\n"
            "Thank you for your message. It has reached us, and one of us will reply "
            "personally {{ reply_promise }}.\n\n"
            "You wrote:\n{{ message }}\n\n"
            "Best wishes,\n{{ business }}\n"
        ),
        validators=[PlaceholderValidator(ENQUIRY)],
        help_text=help_text(ENQUIRY),
    )
    website_addresses = models.TextField(
        blank=True,
        help_text=(
            "The business's own sites, one origin per line (https://www.example.com): "
            "the site script (/t.js) sends visits only from these."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "business settings"
        verbose_name_plural = "business settings"
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="business_settings_singleton")
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not self.holiday_country:
            return
        supported = holidays.list_supported_countries()
        if self.holiday_country not in supported:
            raise ValidationError(
                {"holiday_country": f"No public-holiday table for {self.holiday_country!r}."}
            )
        if (
            self.holiday_subdivision
            and self.holiday_subdivision not in supported[self.holiday_country]
        ):
            choices = ", ".join(supported[self.holiday_country]) or "none"
            raise ValidationError(
                {"holiday_subdivision": f"Use one of: {choices}, or leave it empty."}
            )

    @classmethod
    def load(cls) -> "BusinessSettings":
        settings, _ = cls.objects.get_or_create(pk=1)
        return settings

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class BusinessHours(models.Model):
    """One opening window on one weekday (several windows per day allow a lunch break)."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0
        TUESDAY = 1
        WEDNESDAY = 2
        THURSDAY = 3
        FRIDAY = 4
        SATURDAY = 5
        SUNDAY = 6

    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens = models.TimeField(default=time(9, 0))
    closes = models.TimeField(default=time(17, 30))

    class Meta:
        ordering = ["weekday", "opens"]
        verbose_name_plural = "business hours"
        constraints = [
            models.CheckConstraint(
                condition=Q(closes__gt=F("opens")), name="hours_close_after_open"
            ),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="hours_weekday_range"),
            models.UniqueConstraint(fields=["weekday", "opens"], name="hours_unique_window"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"
