"""The fit badge: an enquiry's score against the ideal client profile, in a number and a word."""

from django import template

from handraise.insights.fit import fits

register = template.Library()


@register.inclusion_tag("enquiries/_fit_badge.html")
def fit_badge(enquiry) -> dict:
    score = enquiry.fit_score
    return {
        "score": score,
        "fits": fits(score),
        "reasons": enquiry.fit_reasons,
    }
