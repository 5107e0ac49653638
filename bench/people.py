"""Made-up people with realistic name frequencies, and the form posts they send.

Identity resolution blocks fuzzy matching on the surname, so its speed depends
on how many contacts share one: a benchmark with uniformly random surnames would
test buckets of one. Here surnames follow the shape of real ones: the sixty most
common surnames of England and Wales with their approximate shares (Smith is
about one person in a hundred), then a long tail of invented surnames whose
frequencies fall off as 1/rank (Zipf), so most tail surnames belong to a handful
of people or one. First names are weighted the same way.

Everything is drawn from a seeded ``random.Random``: the same seed gives the same
people. Addresses use the reserved example.* domains. Nothing here touches a
database or the network.
"""

import itertools
import random
import unicodedata
from urllib.parse import urlencode

# The most common surnames in England and Wales, as shares of people in percent
# (rounded; order and size are what matter here, not the second decimal).
COMMON_SURNAMES = [
    ("Smith", 0.98), ("Jones", 0.75), ("Williams", 0.57), ("Taylor", 0.47),
    ("Brown", 0.46), ("Davies", 0.44), ("Evans", 0.33), ("Wilson", 0.31),
    ("Thomas", 0.30), ("Johnson", 0.29), ("Roberts", 0.28), ("Robinson", 0.24),
    ("Thompson", 0.24), ("Wright", 0.23), ("Walker", 0.22), ("White", 0.21),
    ("Edwards", 0.21), ("Hughes", 0.21), ("Green", 0.20), ("Hall", 0.20),
    ("Lewis", 0.20), ("Harris", 0.19), ("Clarke", 0.19), ("Patel", 0.19),
    ("Jackson", 0.18), ("Wood", 0.18), ("Turner", 0.17), ("Martin", 0.17),
    ("Cooper", 0.17), ("Hill", 0.17), ("Ward", 0.16), ("Morris", 0.16),
    ("Moore", 0.16), ("Clark", 0.16), ("Lee", 0.15), ("King", 0.15),
    ("Baker", 0.15), ("Harrison", 0.15), ("Morgan", 0.14), ("Allen", 0.14),
    ("James", 0.14), ("Scott", 0.14), ("Phillips", 0.13), ("Watson", 0.13),
    ("Davis", 0.13), ("Parker", 0.13), ("Price", 0.12), ("Bennett", 0.12),
    ("Young", 0.12), ("Griffiths", 0.12), ("Mitchell", 0.12), ("Kelly", 0.12),
    ("Cook", 0.12), ("Carter", 0.12), ("Richardson", 0.11), ("Bailey", 0.11),
    ("Collins", 0.11), ("Bell", 0.11), ("Shaw", 0.11), ("Murphy", 0.11),
]  # fmt: skip

# fmt: off
# Common first names, most common first; a few carry accents, as real ones do.
FIRST_NAMES = [
    "Oliver", "Olivia", "James", "Amelia", "Jack", "Isla", "George", "Emily", "Harry", "Ava",
    "Noah", "Jessica", "Charlie", "Sophie", "Thomas", "Grace", "Jacob", "Lily", "William",
    "Mia", "David", "Sarah", "John", "Emma", "Michael", "Laura", "Daniel", "Hannah", "Joshua",
    "Chloe", "Samuel", "Ella", "Joseph", "Charlotte", "Henry", "Lucy", "Alexander", "Evie",
    "Ethan", "Ruby", "Benjamin", "Freya", "Matthew", "Poppy", "Lucas", "Zoë", "Max", "Anna",
    "Adam", "Rebecca", "Ryan", "Katie", "Luke", "Megan", "Mohammed", "Aisha", "Peter", "Helen",
    "Paul", "Claire", "Mark", "Rachel", "Andrew", "Nicola", "Richard", "Louise", "Stephen",
    "Joanne", "Christopher", "Kate", "Simon", "Fiona", "Ian", "Alison", "Martin", "Siobhán",
    "Neil", "Priya", "Gareth", "Niamh", "Rhys", "Seren", "Dylan", "Ffion", "José", "Chiara",
    "Mateusz", "Zofia", "Arjun", "Ananya", "Tomás", "Inès", "Kwame", "Ama", "Chen", "Mei",
    "Oluwaseun", "Adaeze"
]

# The invented tail: first part, joint, second part and ending make 135,168 surnames.
_FIRST_PARTS = [
    "Ash", "Bar", "Brad", "Brook", "Cal", "Car", "Chad", "Clay", "Cole", "Craw", "Dal", "Dun",
    "El", "Fair", "Fal", "Fen", "Gar", "Gold", "Hal", "Har", "Hart", "Haw", "Hol", "Kel",
    "Ken", "Kirk", "Lang", "Lin", "Mar", "Mel", "Mor", "Nor", "Pem", "Ray", "Red", "Ros",
    "Rut", "Sal", "Sand", "Shel", "Stan", "Stock", "Thorn", "Tre", "Wal", "War", "Wes", "Whit",
    "Win", "Yar", "Ab", "Ald", "Ben", "Bir", "Dar", "Ed", "Gil", "Hen", "Hud", "Ing", "Lock",
    "Pen", "Quin", "Thel"
]
_SECOND_PARTS = [
    "ford", "ton", "ley", "well", "by", "more", "worth", "field", "wick", "ham", "dale",
    "croft", "brook", "stone", "ridge", "mere", "bury", "hurst", "cott", "den", "land", "lock",
    "shaw", "thwaite", "combe", "wood", "ing", "sey", "low", "pool", "gate", "hay", "holt"
]
_JOINTS = ["", "e", "en", "er"]
_ENDINGS = [
    "", "s", "son", "er", "e", "ey", "ell", "ett", "in", "ard", "ock", "kins", "ie", "o", "an",
    "ow"
]
# fmt: on
TAIL_SIZE = len(_FIRST_PARTS) * len(_JOINTS) * len(_SECOND_PARTS) * len(_ENDINGS)

MESSAGES = [
    "Hello, we are looking for help with {topic} and a colleague recommended you. "
    "Could we have a short call next week to see whether you could take it on?",
    "Hi there, I read your article about {topic} and it described our situation exactly. "
    "We are a team of {size} and would like a quote. What do you need from us?",
    "Good afternoon. Our current supplier for {topic} is retiring at the end of the "
    "quarter. Are you taking on new clients, and roughly what would it cost for a "
    "business of {size} people?",
    "We need {topic} done before our financial year ends. Is that realistic if we "
    "start this month? Happy to send over the details.",
    "Could you tell me more about how you usually work on {topic}? I'd like to "
    "understand the steps and the typical timeline before I speak to my partners.",
    "Hi, quick question: do you work with companies outside London? We have {size} "
    "staff across two offices and are interested in {topic}.",
]
TOPICS = [
    "our bookkeeping",
    "a new website",
    "our brand refresh",
    "a kitchen extension",
    "staff training",
    "our tax return",
    "an office move",
    "physiotherapy for our team",
    "a product photo shoot",
    "our IT support",
]
# fmt: off
COMPANY_WORDS = [
    "Northern", "Harbour", "Bright", "Oak", "Blue", "Cedar", "Kestrel", "Summit", "Riverside",
    "Granite", "Willow", "Copper", "Meadow", "Atlas", "Beacon", "Orchard", "Fox", "Hollow",
    "Linden", "Pioneer", "Quarry", "Juniper", "Tidal", "Elm", "Marlow"
]
# fmt: on
COMPANY_KINDS = ["Ltd", "& Co", "Partners", "Studio", "Consulting", "Group", "Dental", "Builders"]
DOMAINS = ["example.com", "example.org", "example.net", "example.co.uk"]


def fold_ascii(text: str) -> str:
    """'Zoë' -> 'zoe': names made safe for the local part of an address."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in plain.lower() if c.isalnum())


def tail_surname(rank: int) -> str:
    """The invented surname at ``rank`` (0-based) of the tail; distinct for every rank."""
    rank, ending = divmod(rank, len(_ENDINGS))
    rank, second = divmod(rank, len(_SECOND_PARTS))
    first, joint = divmod(rank, len(_JOINTS))
    return _FIRST_PARTS[first] + _JOINTS[joint] + _SECOND_PARTS[second] + _ENDINGS[ending]


class People:
    """A seeded source of names, companies and enquiry form posts."""

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)
        common_share = sum(share for _, share in COMMON_SURNAMES) / 100
        # The tail carries the rest of the people, each surname 1/rank as likely.
        first_rank = len(COMMON_SURNAMES) + 1
        tail_weights = [1 / rank for rank in range(first_rank, first_rank + TAIL_SIZE)]
        tail_scale = (1 - common_share) / sum(tail_weights)
        self._surnames = [name for name, _ in COMMON_SURNAMES] + [
            tail_surname(rank) for rank in range(TAIL_SIZE)
        ]
        self._surname_weights = list(
            itertools.accumulate(
                [share / 100 for _, share in COMMON_SURNAMES]
                + [weight * tail_scale for weight in tail_weights]
            )
        )
        self._first_weights = list(
            itertools.accumulate(1 / (rank + 1) ** 0.8 for rank in range(len(FIRST_NAMES)))
        )
        self._serial = itertools.count(1)

    def surnames(self, count: int) -> list[str]:
        return self.random.choices(self._surnames, cum_weights=self._surname_weights, k=count)

    def first_names(self, count: int) -> list[str]:
        return self.random.choices(FIRST_NAMES, cum_weights=self._first_weights, k=count)

    def name(self, surname: str | None = None) -> str:
        first = self.first_names(1)[0]
        last = surname or self.surnames(1)[0]
        if self.random.random() < 0.05:  # some people give a middle initial
            return f"{first} {self.random.choice('ABCDEFGHJKLMNPRSTW')}. {last}"
        return f"{first} {last}"

    def company(self) -> str:
        words = self.random.sample(COMPANY_WORDS, k=self.random.choice((1, 2)))
        return f"{' '.join(words)} {self.random.choice(COMPANY_KINDS)}"

    def message(self) -> str:
        template = self.random.choice(MESSAGES)
        return template.format(topic=self.random.choice(TOPICS), size=self.random.randint(2, 80))

    def unique_email(self, name: str, run: str) -> str:
        """An address nobody else in this run has (``run`` keeps runs apart too)."""
        words = [fold_ascii(word) for word in name.split() if fold_ascii(word)]
        local = ".".join(words[:1] + words[-1:])
        return f"{local}.{run}{next(self._serial)}@{self.random.choice(DOMAINS)}"

    def enquiry_form_post(self, run: str) -> tuple[str, bytes]:
        """A realistic public form post: (the enquirer's email, url-encoded body)."""
        name = self.name()
        email = self.unique_email(name, run)
        fields = {"name": name, "email": email, "message": self.message()}
        if self.random.random() < 0.4:
            # Ofcom's drama range: real-looking UK mobiles that belong to nobody.
            fields["phone"] = f"07700 900{self.random.randint(0, 999):03d}"
        if self.random.random() < 0.5:
            fields["company"] = self.company()
        if self.random.random() < 0.3:
            fields["utm_source"] = self.random.choice(["newsletter", "linkedin", "google"])
            fields["utm_medium"] = self.random.choice(["email", "social", "cpc"])
            fields["utm_campaign"] = "spring-offer"
        return email, urlencode(fields).encode()
