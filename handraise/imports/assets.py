"""Importing marketing assets: articles, case studies, posts, pages, talks, partners, ads.

Each asset keeps its publication and creation dates (``marketing.services``), and
the themes it answers are linked by name (``insights.services``), so the
insights can still show which themes published content answers. Remembered
under the file's id (or its kind, title and address), so importing again adds
nothing and a touchpoints file's "asset id" finds it.
"""

import json

from django.core.exceptions import ValidationError

from handraise.imports.batches import RowProblem
from handraise.imports.exported import ASSETS, Context
from handraise.imports.fields import Fields, one_of, over_limit
from handraise.imports.mapping import Mapping, header_key
from handraise.imports.reading import Row
from handraise.imports.records import record_key, remember
from handraise.imports.selectors import already_imported
from handraise.insights.models import Theme
from handraise.insights.services import record_theme_answers
from handraise.marketing.assets import clean_topics
from handraise.marketing.models import Asset
from handraise.marketing.services import record_imported_asset

KIND = ASSETS
LIMITS = {"title": Asset._meta.get_field("title").max_length, "url": 1000}
# What content tools call them.
KIND_ALIASES = {
    header_key(word): kind
    for kind, words in {
        Asset.Kind.ARTICLE: ("post", "blog post", "blog", "insight"),
        Asset.Kind.CASE_STUDY: ("case", "success story", "customer story"),
        Asset.Kind.SOCIAL_POST: ("social", "linkedin post", "tweet"),
        Asset.Kind.PAGE: ("landing page", "web page", "website page"),
        Asset.Kind.NEWSLETTER: ("email", "email newsletter", "campaign"),
        Asset.Kind.TALK: ("webinar", "event", "presentation", "podcast"),
        Asset.Kind.REFERRAL_PARTNER: ("partner", "referral"),
        Asset.Kind.AD: ("advert", "advertisement", "paid"),
    }.items()
    for word in words
}
THEME_NAME = Theme._meta.get_field("name").max_length


def check_row(row: Row, header: list[str], mapping: Mapping, context: Context) -> dict:
    read = Fields(row, header, mapping)
    title = read.first("title")
    if not title:
        raise RowProblem("This asset has no title.")
    url = read.first("url")
    over_limit({"title": title, "url": url}, LIMITS)
    kind = one_of(read.first("kind") or "article", Asset.Kind, "kind of asset", KIND_ALIASES)
    themes = [name.strip() for name in "\n".join(read.all("themes")).split("\n") if name.strip()]
    if any(len(name) > THEME_NAME for name in themes):
        raise RowProblem(f"A theme's name is longer than {THEME_NAME} characters.")
    moment = lambda name, label: read.moment(  # noqa: E731
        name, label=label, order=None, zone=context.zone
    )
    identity = read.first("external_id")
    return {
        "key": record_key(*(("id", identity) if identity else ("row", kind, title, url))),
        "exported_id": identity,
        "kind": kind,
        "title": title,
        "url": url,
        "summary": read.first("summary"),
        "published_at": moment("published_at", "Published"),
        "created_at": moment("created_at", "Created"),
        "archived_at": moment("archived_at", "Archived"),
        "topics": topics_of(read.first("topics")),
        "themes": themes,
    }


def topics_of(text: str) -> list[str]:
    """Our export's JSON list (["lead times", "overtime"]), or a CMS's tags separated by
    commas or line breaks; the asset's own validation then checks each topic."""
    if text.startswith("["):
        try:
            found = json.loads(text)
        except ValueError:
            raise RowProblem("Topics: this looks like a list but is not valid JSON.") from None
        if not isinstance(found, list) or not all(isinstance(t, str) for t in found):
            raise RowProblem("Topics: give a list of words or short phrases.")
        return clean_topics(found)
    return clean_topics(text.replace("\n", ",").split(","))


def record(item: dict, context: Context) -> list[str]:
    fields = dict(item)  # a batch may be replayed row by row: leave the item whole
    key, exported_id, themes = fields.pop("key"), fields.pop("exported_id"), fields.pop("themes")
    if already_imported(kind=KIND, key=key) is not None:
        return ["already here"]
    try:
        asset = record_imported_asset(**fields)
    except ValidationError as error:
        raise RowProblem(" ".join(error.messages)) from None
    record_theme_answers(asset=asset, theme_names=themes)
    remember(kind=KIND, key=key, object_id=asset.pk, file_name=context.file_name)
    context.ids.add(KIND, exported_id, asset.pk)
    return ["new"]
