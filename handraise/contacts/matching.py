"""Fuzzy matching of people by name and organisation, with blocking.

Exact identity (email, phone) is a database lookup in ``services.py``; this is
for the uncertain rest. Only contacts that share a blocking key (the folded
last word of the name) are compared, so matching stays fast at a million
contacts. Scores come from RapidFuzz; nothing here writes.
"""

import math
import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz, process

# At or above this score two contacts are suggested as one person (never merged).
SUGGEST_AT = 88
MAX_CANDIDATES = 200
# The lowest name score that can still reach SUGGEST_AT: with a perfect organisation
# score, 0.7 * name + 0.3 * 100 must round to SUGGEST_AT (a name alone needs more).
CLOSE_NAME = math.floor((SUGGEST_AT - 0.5 - 30) / 0.7)


# In a str pattern \w is "isalnum() or underscore", so this keeps exactly the
# letters, digits and whitespace; a regex does in C what a per-character loop
# did in Python, which was most of the time spent comparing 200 candidates.
_NOT_ALNUM_OR_SPACE = re.compile(r"[^\w\s]|_")


def fold(text: str) -> str:
    """Lower-case, accents removed, punctuation gone: 'Zoë O'Brien' -> 'zoe obrien'."""
    plain = unicodedata.normalize("NFKD", text or "")
    if not plain.isascii():  # only non-ASCII text can carry combining accents
        plain = "".join(c for c in plain if not unicodedata.combining(c))
    return " ".join(_NOT_ALNUM_OR_SPACE.sub("", plain.casefold()).split())


def match_key(name: str) -> str:
    words = fold(name).split()
    return words[-1][:100] if words else ""


@dataclass(frozen=True)
class Match:
    contact_id: int
    score: int
    reason: str


def close_names(name: str, others: list[str]) -> list[int]:
    """Positions (in order) of the names close enough to ``name`` to reach SUGGEST_AT.

    RapidFuzz scores every name in one call, in C.
    """
    return close_folded(fold(name), [fold(other) for other in others])


def close_folded(folded: str, others: list[str]) -> list[int]:
    """``close_names`` for names already folded (a batch folds each candidate once)."""
    close = process.extract(
        folded,
        others,
        scorer=fuzz.token_sort_ratio,
        score_cutoff=CLOSE_NAME,
        limit=None,
    )
    return sorted(index for _, _, index in close)


def best_match(
    *, name: str, organisation: str, candidates: list[tuple[int, str, str]]
) -> Match | None:
    """The best candidate (id, name, organisation) scoring at least SUGGEST_AT, if any.

    Ties go to the earlier candidate. Only names close enough to reach SUGGEST_AT
    are scored in full.
    """
    close = close_names(name, [other_name for _, other_name, _ in candidates])
    # Fold every string once; scoring folded strings needs no per-pair processor.
    name, organisation = fold(name), fold(organisation)
    best = None
    for index in close:
        contact_id, other_name, other_organisation = candidates[index]
        name_score = fuzz.token_sort_ratio(name, fold(other_name))
        other_organisation = fold(other_organisation) if organisation else ""
        if organisation and other_organisation:
            org_score = fuzz.token_set_ratio(organisation, other_organisation)
            score = round(0.7 * name_score + 0.3 * org_score)
            reason = f"similar name ({name_score:.0f}) and organisation ({org_score:.0f})"
        else:
            score = round(name_score * 0.95)  # a name alone is weaker evidence
            reason = f"similar name ({name_score:.0f})"
        if score >= SUGGEST_AT and (best is None or score > best.score):
            best = Match(contact_id=contact_id, score=score, reason=reason)
    return best
