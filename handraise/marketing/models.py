"""Marketing before the hand-raise: assets, tracked links, and the touchpoints visitors
leave on them.

A touchpoint belongs to a visitor id (set by the site's script) and, once the
visitor raises their hand, to a contact too. Attribution reads touchpoints; it
never writes them.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.utils import timezone

_web_address = URLValidator(schemes=["http", "https"])


def validate_link_target(value: str) -> None:
    """A tracked link's target: an http(s) address with a host and no user name or
    password in it (``https://bank.example@evil.example/`` reads as the bank)."""
    _web_address(value)
    parts = urlsplit(value)
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise ValidationError(
            "Leave the user name and password out of the address.", code="userinfo"
        )


TOPIC_MAX_LENGTH = 50
TOPICS_MAX = 20


def validate_topics(value) -> None:
    """A list of at most TOPICS_MAX short one-line strings with no commas.

    The comma is what separates topics where people type them (the asset form, a
    CMS's tags column), so a topic cannot hold one.
    """
    if not isinstance(value, list) or not all(isinstance(topic, str) for topic in value):
        raise ValidationError("Topics must be a list of short texts.")
    if len(value) > TOPICS_MAX:
        raise ValidationError(f"Give at most {TOPICS_MAX} topics.")
    for topic in value:
        if not topic.strip():
            raise ValidationError("A topic cannot be empty.")
        if len(topic) > TOPIC_MAX_LENGTH:
            raise ValidationError(
                f"Keep each topic to {TOPIC_MAX_LENGTH} characters (one is {len(topic)})."
            )
        if "," in topic or any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in topic):
            raise ValidationError("A topic is one line of text without commas.")


class Channel(models.TextChoices):
    """How a visitor arrived: the source mix the health check reports on."""

    ORGANIC_SEARCH = "organic_search", "Organic search"
    SOCIAL = "social", "Social"
    EMAIL = "email", "Email"
    REFERRAL = "referral", "Referral"
    DIRECT = "direct", "Direct"
    PAID = "paid", "Paid"
    EVENT = "event", "Event"
    OTHER = "other", "Other"


class Asset(models.Model):
    class Kind(models.TextChoices):
        ARTICLE = "article", "Article"
        CASE_STUDY = "case_study", "Case study"
        SOCIAL_POST = "social_post", "Social post"
        PAGE = "page", "Web page"
        NEWSLETTER = "newsletter", "Newsletter"
        TALK = "talk", "Talk"
        REFERRAL_PARTNER = "referral_partner", "Referral partner"
        AD = "ad", "Ad"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = models.CharField(max_length=300)
    url = models.URLField(max_length=1000, blank=True)
    summary = models.TextField(blank=True)
    topics = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_topics],
        help_text="Short subjects it covers.",
    )
    published_at = models.DateTimeField(null=True, blank=True)
    # Archived assets leave the asset list but keep their touchpoints and history.
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)  # imports keep history's own
    # The themes it answers: Theme.answered_by (related name "themes") holds them.

    class Meta:
        ordering = ["-published_at", "title"]
        indexes = [models.Index(fields=["kind", "published_at"]), models.Index(fields=["url"])]

    def __str__(self) -> str:
        return self.title


class ShortLink(models.Model):
    """A tracked link: ``/r/<code>`` records a touchpoint and redirects to ``target_url``
    with the link's UTM tags added. The target is fixed here, never read from a request,
    so the redirect cannot be pointed anywhere else."""

    code = models.CharField(max_length=16, unique=True)
    label = models.CharField(max_length=200)
    target_url = models.CharField(max_length=1000, validators=[validate_link_target])
    asset = models.ForeignKey(
        Asset, null=True, blank=True, on_delete=models.SET_NULL, related_name="short_links"
    )
    utm_source = models.CharField(max_length=200)
    utm_medium = models.CharField(max_length=200)
    utm_campaign = models.CharField(max_length=200, blank=True)
    utm_content = models.CharField(max_length=200, blank=True)
    utm_term = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["archived_at", "created_at"])]

    def __str__(self) -> str:
        return f"{self.label} (/r/{self.code})"

    @property
    def archived(self) -> bool:
        return self.archived_at is not None

    @property
    def utm(self) -> dict[str, str]:
        return {
            "utm_source": self.utm_source,
            "utm_medium": self.utm_medium,
            "utm_campaign": self.utm_campaign,
            "utm_content": self.utm_content,
            "utm_term": self.utm_term,
        }


class Touchpoint(models.Model):
    visitor_id = models.CharField(max_length=64, blank=True)
    contact = models.ForeignKey(
        "contacts.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="touchpoints",
    )
    asset = models.ForeignKey(
        Asset, null=True, blank=True, on_delete=models.SET_NULL, related_name="touchpoints"
    )
    # Set when the visit came through a tracked link: the builder counts its clicks.
    # Indexed by the (short_link, occurred_at) index below, not a second one of its own.
    short_link = models.ForeignKey(
        ShortLink,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="touchpoints",
        db_index=False,
    )
    channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.DIRECT)
    url = models.CharField(max_length=2000, blank=True)
    referrer = models.CharField(max_length=2000, blank=True)
    utm_source = models.CharField(max_length=200, blank=True)
    utm_medium = models.CharField(max_length=200, blank=True)
    utm_campaign = models.CharField(max_length=200, blank=True)
    utm_content = models.CharField(max_length=200, blank=True)
    utm_term = models.CharField(max_length=200, blank=True)
    occurred_at = models.DateTimeField()
    # The id the site script gives each event (null for every other source): a
    # replayed event finds its id taken and is not counted twice.
    event_id = models.CharField(max_length=64, null=True, blank=True, unique=True)

    class Meta:
        ordering = ["-occurred_at"]
        indexes = [
            # A person's touches in a window, by visitor id or by contact. The asset
            # column lets the Marketing overview find which assets preceded a
            # hand-raise from the index alone, without a row fetch per touch.
            models.Index(
                fields=["visitor_id", "occurred_at", "asset"], name="touchpoint_visitor_time"
            ),
            models.Index(
                fields=["contact", "occurred_at", "asset"], name="touchpoint_contact_time"
            ),
            # An asset's touches in a period: the Marketing overview's reach (a range
            # counted from the index alone).
            models.Index(
                fields=["asset", "occurred_at", "visitor_id"], name="touchpoint_asset_reach"
            ),
            # An asset's distinct visitors in a period, read from the index alone in
            # visitor order: the overview's DISTINCT skips repeats instead of sorting.
            models.Index(
                fields=["asset", "visitor_id", "occurred_at"], name="touchpoint_asset_visitors"
            ),
            models.Index(fields=["occurred_at"]),
            models.Index(fields=["short_link", "occurred_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} at {self.occurred_at:%Y-%m-%d %H:%M}"
