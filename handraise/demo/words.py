"""The word lists and fixed data the demo draws on.

The business and its site, what it has published, the names, towns and industries its
contacts come from, what enquirers write, what it sells and why deals end, its proposal
follow-up emails and the things prospects say, grouped into themes. Data only: the odds
that move the story along (where visits come from, how fast enquiries are answered, how
deals move) stay beside the code that uses them.
"""

from dataclasses import dataclass

from handraise.marketing.models import Asset
from handraise.sales.models import CadenceStep

# --------------------------------------------------------------------------------------
# The business.

BUSINESS_NAME = "Northbank Process Consulting"
SITE = "https://www.northbankprocess.example"


# --------------------------------------------------------------------------------------
# Marketing: what the business has published, and where.

# title, path, day of the window it was published (negative: before it), popularity
PAGES = (
    ("Home", "/", -700, 6.0),
    ("Services", "/services/", -700, 2.0),
    ("Operations review", "/services/operations-review/", -420, 2.0),
    ("About Northbank", "/about/", -700, 1.0),
    ("Contact", "/contact/", -700, 0.4),
)
ARTICLES = (
    ("Five signs your lead times are a process problem", 10),
    ("Fix the process before you buy the software", 35),
    ("What an operations review costs — and what it returns", 60),
    ("Why process changes slip back, and how to make them stick", 95),
    ("A one-page capacity plan for owner-managed manufacturers", 130),
    ("Picking errors: where they really come from", 170),
    ("Month-end in three days: a finance process walk-through", 205),
    ("Overtime is a symptom: reading your labour data", 240),
    ("Moving site without losing a month of output", 280),
    ("The ten-minute daily huddle that replaced three meetings", 320),
)
CASE_STUDIES = (
    ("Food manufacturer cuts overtime by a third", 25),
    ("Regional distributor halves picking errors", 80),
    ("Precision engineering firm brings lead times from 19 to 8 days", 150),
    ("Dental group standardises patient booking across six practices", 215),
    ("Wholesaler moves warehouse without missing a delivery", 270),
    ("Charity finance team closes the month in four days", 335),
)
SOCIAL_POSTS = (
    ("Three questions to ask before you hire an operations manager", 15),
    ("The whiteboard that fixed a bottleneck", 70),
    ("Poll: how long does your month-end take?", 120),
    ("What we learned from 40 site walk-rounds", 190),
    ("A shift handover checklist you can steal", 250),
    ("Why we never start with software", 310),
)
NEWSLETTER_DAYS = (5, 65, 125, 185, 245, 305)
TALKS = (
    ("Lean without the jargon — Midlands Manufacturing Forum", "midlands-forum", 55),
    ("Getting month-end under control — finance directors' breakfast", "fd-breakfast", 160),
    ("Running a site move — Northern Logistics Network evening", "nln-evening", 290),
)
PARTNERS = (
    ("Carter & Webb Accountants", "https://www.carterwebb.example/", -300),
    ("Midlands Manufacturing Network", "https://www.midlandsmanufacturing.example/", 40),
    ("Harbour Business Bank relationship team", "https://www.harbourbank.example/", 180),
)
ADS = (  # title, source, medium, campaign, day, days it ran
    ("LinkedIn ad: free operations health check", "linkedin", "paid_social", "health-check", 100),
    ("Google Ads: operations consultant", "google", "cpc", "ops-consultant-search", 200),
    ("LinkedIn ad: the site-move checklist", "linkedin", "paid_social", "site-move", 300),
)
AD_RUNS = (60, 90, 400)
EXTRA_TOPICS = (
    "lead times",
    "picking accuracy",
    "shift handovers",
    "capacity planning",
    "month-end close",
    "stock accuracy",
    "overtime",
    "quality escapes",
    "site layout",
    "supplier deliveries",
    "production scheduling",
    "standard work",
    "daily huddles",
    "onboarding new starters",
    "order-to-cash",
    "returns handling",
    "maintenance planning",
    "booking systems",
    "waste",
    "the few numbers that matter",
)
EXTRA_TITLES = (
    (Asset.Kind.ARTICLE, "A practical guide to {topic}"),
    (Asset.Kind.ARTICLE, "What nobody tells you about {topic}"),
    (Asset.Kind.ARTICLE, "Five mistakes we see with {topic}"),
    (Asset.Kind.ARTICLE, "Measuring {topic} without new software"),
    (Asset.Kind.SOCIAL_POST, "Quick tip: {topic}"),
    (Asset.Kind.SOCIAL_POST, "Before and after: {topic}"),
    (Asset.Kind.CASE_STUDY, "How a 40-person team sorted out {topic}"),
)
# The topics an asset covers, from the words of its title (first match wins nothing:
# every match is a topic), and for a title that names none, its kind's usual subject.
TOPIC_WORDS = (
    ("lead time", "lead times"),
    ("picking", "picking accuracy"),
    ("month-end", "month-end close"),
    ("finance", "finance processes"),
    ("overtime", "overtime"),
    ("labour", "labour data"),
    ("capacity", "capacity planning"),
    ("software", "software versus process"),
    ("costs", "return on investment"),
    ("returns", "return on investment"),
    ("stick", "making change stick"),
    ("slip back", "making change stick"),
    ("site move", "site moves"),
    ("moving site", "site moves"),
    ("moves warehouse", "site moves"),
    ("huddle", "daily huddles"),
    ("handover", "shift handovers"),
    ("bottleneck", "bottlenecks"),
    ("operations manager", "hiring"),
    ("booking", "booking systems"),
    ("lean", "lean"),
    ("health check", "operations review"),
    ("operations review", "operations review"),
    ("operations consultant", "operations review"),
)
KIND_TOPICS = {
    Asset.Kind.ARTICLE: ("operations",),
    Asset.Kind.CASE_STUDY: ("case study",),
    Asset.Kind.SOCIAL_POST: ("operations",),
    Asset.Kind.NEWSLETTER: ("newsletter",),
    Asset.Kind.TALK: ("events",),
    Asset.Kind.REFERRAL_PARTNER: ("referrals",),
    Asset.Kind.AD: ("operations review",),
    Asset.Kind.PAGE: ("about us",),
}
# Every case study answers this theme: proof from a business like theirs.
CASE_STUDY_THEME = "Proof from similar businesses"
SUMMARIES = {
    Asset.Kind.ARTICLE: "A practical article for owners and operations leads.",
    Asset.Kind.CASE_STUDY: "What we found, what changed and what it was worth.",
    Asset.Kind.SOCIAL_POST: "LinkedIn post from the company page.",
    Asset.Kind.NEWSLETTER: "Monthly-ish letter to subscribers: one idea, one story, one tool.",
    Asset.Kind.TALK: "Talk with slides and a QR code to the write-up.",
    Asset.Kind.REFERRAL_PARTNER: "A firm that introduces clients to us.",
    Asset.Kind.AD: "Paid campaign.",
    Asset.Kind.PAGE: "Page on our website.",
}


# --------------------------------------------------------------------------------------
# Organisations and contacts.


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FIRST_NAMES = _words(
    """Aisha Alex Amelia Amir Anna Ben Beth Callum Charlotte Chloe Chris Claire Daniel
David Deepa Eilidh Ella Emily Emma Ewan Fatima Fiona Gareth George Grace Hamish Hannah Harry Imran
Isla Jack James Jane Jasmine Joe John Jonathan Kate Katie Kwame Laura Leah Liam Lucy Mark Martin
Mei Michael Mohammed Nadia Naomi Neil Nicola Oliver Olivia Owen Paul Priya Rachel Rajesh Rebecca
Rhys Richard Rob Ruth Ryan Sam Sanjay Sarah Sean Simon Siobhan Sophie Stephen Tom Tomasz Victoria
Will Yasmin Zainab Zoe"""
)
SURNAMES = _words(
    """Ahmed Allen Anderson Atkinson Bailey Baker Begum Bell Bennett Brown Campbell Carter
Chapman Chen Clarke Collins Cook Cooper Davies Dixon Edwards Evans Fisher Fletcher Foster Gill
Graham Green Hall Harris Hughes Hussain Jackson James Jenkins Johnson Jones Kaur Kelly Kennedy Khan
King Knight Lee Lewis Lloyd MacDonald Marshall Martin Mason Matthews Mills Mitchell Moore Morgan
Morris Murphy Murray Nowak O'Brien Okafor Owen Palmer Parker Patel Pearson Phillips Price Reid
Richards Roberts Robinson Rogers Ross Russell Scott Shah Sharma Shaw Simpson Singh Smith Stewart
Taylor Thomas Thompson Turner Walker Walsh Ward Watson White Williams Wilson Wood
Wright Young"""
)
JOB_TITLES = (
    "Managing Director",
    "Operations Director",
    "Head of Operations",
    "Operations Manager",
    "Finance Director",
    "Production Manager",
    "Warehouse Manager",
    "Owner",
    "Chief Operating Officer",
    "Continuous Improvement Lead",
    "Office Manager",
    "Practice Manager",
    "Chief Executive",
    "General Manager",
)
ORG_WORDS = _words(
    """Ashford Brookside Calder Dunmore Elmstead Fairholme Greystone Harbourside Ironbridge
Juniper Kingsway Larkhill Millbrook Northgate Oakridge Pennine Quayside Riverside Severn Thornbury
Upton Westfield Yarrow Aldwick Beacon Castlegate Dalesway Eastwood Foxley Glenmore Hawthorn Kestrel
Linden Meadowbank Netherby Orchard Parkside Redbrook Saxon Tamar Wyvern Avonside Blackwater
Cotswold Derwent Fenland Granite Heron Kennet Lowther Marston Nene Oldfield Pendle Ribble Stourton
Trentham Weald"""
)
# Towns with an Ofcom drama-number range (E.164 prefix; three more digits make a number).
TOWNS = (
    ("London", "+442079460", 22),
    ("Birmingham", "+441214960", 10),
    ("Manchester", "+441614960", 10),
    ("Leeds", "+441134960", 8),
    ("Bristol", "+441174960", 7),
    ("Nottingham", "+441154960", 6),
    ("Leicester", "+441164960", 6),
    ("Sheffield", "+441144960", 5),
    ("Reading", "+441184960", 5),
    ("Liverpool", "+441514960", 5),
    ("Newcastle", "+441914980", 4),
    ("Edinburgh", "+441314960", 4),
    ("Glasgow", "+441414960", 4),
    ("Cardiff", "+442920180", 4),
    ("Belfast", "+442896496", 2),
)
MOBILE_PREFIX = "+447700900"
# industry, what people call such a business, name endings, employee range, weight
INDUSTRIES = (
    (
        "Manufacturing",
        "manufacturer",
        ("Precision Engineering", "Components", "Fabrications", "Plastics", "Manufacturing"),
        (15, 400),
        18,
    ),
    (
        "Food production",
        "food producer",
        ("Foods", "Bakery", "Dairy", "Brewing Co", "Fresh Produce"),
        (10, 300),
        12,
    ),
    (
        "Logistics",
        "logistics business",
        ("Logistics", "Freight", "Distribution", "Transport"),
        (10, 350),
        12,
    ),
    ("Wholesale distribution", "wholesaler", ("Wholesale", "Trade Supplies"), (8, 200), 9),
    ("Construction", "construction firm", ("Construction", "Builders"), (8, 150), 7),
    (
        "Healthcare",
        "healthcare provider",
        ("Dental Group", "Care Homes", "Physiotherapy", "Veterinary Practice"),
        (8, 250),
        8,
    ),
    (
        "Professional services",
        "professional services firm",
        ("Accountants", "Solicitors", "Surveyors", "Architects"),
        (5, 120),
        10,
    ),
    ("Retail", "retailer", ("Home Store", "Garden Centre", "Outdoor"), (5, 200), 6),
    ("Charity", "charity", ("Trust", "Foundation", "Community Housing"), (5, 150), 6),
    ("Education", "education provider", ("Academy Trust", "College", "Training"), (20, 400), 4),
    ("Software", "software company", ("Software", "Digital", "Systems"), (5, 120), 8),
)
ICP_INDUSTRIES = ("Manufacturing", "Food production", "Logistics", "Wholesale distribution")
ICP_KEYWORDS = (
    "lead time",
    "overtime",
    "backlog",
    "warehouse",
    "capacity",
    "picking",
    "bottleneck",
    "site move",
    "process",
)


# --------------------------------------------------------------------------------------
# Enquiries: what people write when they raise a hand.

OPENERS = (
    "We're a {noun} in {town} with {employees} people.",
    "I look after operations at {company}, a {noun} in {town} with about {employees} staff.",
    "{company} is a {noun} based in {town}; we employ around {employees} people.",
)
PROBLEMS = (
    "Our lead times have crept from five days to nearly three weeks and customers notice.",
    "Overtime now costs more than a new hire would, and the backlog is still growing.",
    "We've doubled in two years and the processes haven't kept up — everything goes through me.",
    "Warehouse picking errors are running at about 4% and we don't know where to start.",
    "We keep firefighting the same problems every month and I'd like an outside view.",
    "We're planning a site move next year and want the layout and flow right first.",
    "Month-end takes the finance team two weeks; it feels like it should take three days.",
    "We're bidding for a large contract and need to show we have the capacity.",
    "Complaints about quality are up and I think it's a process problem, not a people one.",
    "We've bought new software twice and neither stuck. I suspect the process is the issue.",
    "There's a bottleneck in dispatch every afternoon and the team stays late to clear it.",
)
ASKS = (
    "Could we have a quick call next week?",
    "Do you do short diagnostic reviews? Roughly what would one cost?",
    "Is this the kind of thing you help with?",
    "Would you be able to visit the site in the next month?",
    "It would be good to understand how you work and what you charge.",
)
SPAM = (
    "Boost your Google ranking to page 1 in 30 days!!! Reply for a FREE audit.",
    "We have verified B2B email lists for UK manufacturers. 50,000 contacts, this week only.",
    "Guest post opportunity on high-authority business sites, from $49.",
    "Your website could be converting 3x better. Book a free redesign call now.",
)
NOT_A_LEAD = (
    "Hi, I'm a final-year student writing a dissertation on lean in small firms — "
    "could I interview you for 20 minutes?",
    "Do you have any vacancies for junior consultants? CV attached.",
    "Can you recommend a supplier of pallet racking?",
    "Please take me off the newsletter list.",
    "We're a recruitment agency specialising in operations roles and would love to partner.",
)


# --------------------------------------------------------------------------------------
# Deals: what the business sells and why deals end as they do.

SERVICES = (  # what the business sells, fee range in pounds, weight
    ("Operations review", 4500, 9500, 30),
    ("Lean workshop series", 2500, 6000, 15),
    ("Process mapping and SOPs", 6000, 15000, 15),
    ("Capacity planning model", 8000, 18000, 10),
    ("Warehouse flow redesign", 12000, 28000, 12),
    ("Operations improvement programme", 18000, 60000, 12),
    ("Interim operations lead", 25000, 75000, 6),
)
REPEAT_SERVICES = (
    ("Follow-on support retainer", 9000, 24000, 1),
    ("Phase 2 implementation", 12000, 40000, 1),
)
WON_NOTES = {
    "Right expertise": "They liked that we had done the same work for a similar business.",
    "Referral trust": "Came recommended; the introduction did most of the selling.",
    "Price": "The fixed fee came in under the other quote.",
    "Speed of response": "They said we were the only firm to call back the same day.",
    "Other": "Timing worked for both sides.",
}
LOST_NOTES = {
    "Price": "Went with a cheaper option.",
    "Chose a competitor": "Chose a larger firm the board already knew.",
    "No budget": "Budget frozen until the next financial year.",
    "Bad timing": "Peak season; asked us to come back in the spring.",
    "Went quiet": "No reply after three follow-ups.",
    "Not a fit": "They needed an IT implementation rather than process work.",
    "Other": "Decided to run it in-house.",
}
NEXT_STEPS = {
    "Enquiry": (
        "Book a discovery call",
        "Reply with times for a site visit",
        "Send the operations health-check questionnaire",
    ),
    "Conversation": (
        "Send summary and scope options",
        "Site walk-round with the operations director",
        "Agree the scope of the review",
        "Get last quarter's output figures",
    ),
    "Proposal": (
        "Follow up on the proposal",
        "Walk the finance director through the proposal",
        "Answer questions on the fixed-fee option",
    ),
    "Negotiation": (
        "Send the revised fee schedule",
        "Agree a start date",
        "Confirm contract terms with their solicitor",
        "Send the engagement letter",
    ),
}


# --------------------------------------------------------------------------------------
# Activities and signals: the follow-up cadence and what prospects say.

CADENCE_STEPS = (  # position, business days after enrolment, kind, subject, body
    (
        0,
        2,
        CadenceStep.Kind.EMAIL,
        "Any questions on the proposal?",
        "Hi {{ first_name }},\n\nI wanted to check the proposal for {{ deal }} reached you, "
        "and to answer any questions before you discuss it internally.\n\n{{ owner }}",
    ),
    (
        1,
        5,
        CadenceStep.Kind.CALL,
        "Call about the proposal",
        "Ring to talk through scope, timing and the fixed-fee option.",
    ),
    (
        2,
        10,
        CadenceStep.Kind.EMAIL,
        "Shall I keep the proposal open?",
        "Hi {{ first_name }},\n\nShall I hold the start date we discussed, or is now not the "
        "right time? Either answer is fine.\n\n{{ owner }}",
    ),
)


@dataclass(frozen=True)
class _ThemeSpec:
    name: str
    description: str
    content_idea: str
    weight: float
    answered_by: tuple[str, ...]
    signals: dict[str, tuple[str, ...]]


THEMES = (
    _ThemeSpec(
        "Price and return on investment",
        "Whether the fee pays for itself, and how to get it signed off.",
        "A plain-numbers article: what an operations review costs and what clients got back.",
        1.3,
        (
            "What an operations review costs — and what it returns",
            "Food manufacturer cuts overtime by a third",
        ),
        {
            "question": (
                "What sort of payback do clients usually see in the first year?",
                "Do you price by the day or as a fixed fee?",
                "Can we phase the work to spread the cost?",
            ),
            "objection": (
                "Your fee is more than we had budgeted for this year.",
                "The board will want to see a clear return before approving this.",
                "We could hire a full-time ops manager for that money.",
            ),
            "praise": ("The fixed-fee option makes this much easier to get signed off.",),
        },
    ),
    _ThemeSpec(
        "Disruption to day-to-day work",
        "Fear that the work takes people off the floor at the worst time.",
        "How we run a review around shift patterns and peak season, with a sample timetable.",
        1.6,
        (),
        {
            "question": (
                "How much of my team's time will this take during peak season?",
                "Will you need to stop the line to do the observation work?",
                "Can you work around our night shift?",
            ),
            "objection": (
                "We can't take people off the floor before Christmas.",
                "This is our busiest quarter — the timing is difficult.",
            ),
            "praise": ("Good that you work around our shift patterns.",),
        },
    ),
    _ThemeSpec(
        "Making changes stick",
        "Past improvement efforts slipped back once the consultants left.",
        "Already answered by the article on why process changes slip back.",
        1.0,
        ("Why process changes slip back, and how to make them stick",),
        {
            "question": (
                "What happens after you leave — how do we keep it going?",
                "Do you train our own people to run the improvements?",
            ),
            "objection": ("We did a lean programme five years ago and it slipped back in months.",),
            "praise": ("Really liked that you hand over the tools rather than keep them.",),
        },
    ),
    _ThemeSpec(
        "Proof from similar businesses",
        "Prospects want to see the work done for a business like theirs.",
        "More case studies from firms of 20 to 100 people, with before-and-after numbers.",
        1.2,
        (
            "Regional distributor halves picking errors",
            "Precision engineering firm brings lead times from 19 to 8 days",
        ),
        {
            "question": (
                "Have you done this for a business our size?",
                "Could we speak to one of your clients in food manufacturing?",
                "Do you have before-and-after numbers from a warehouse project?",
            ),
            "objection": ("Most of your examples are bigger than us.",),
            "praise": ("The case study you sent was almost exactly our situation.",),
        },
    ),
    _ThemeSpec(
        "Software versus process",
        "Whether new software would fix it without changing how people work.",
        "Already answered by 'Fix the process before you buy the software'.",
        0.9,
        ("Fix the process before you buy the software",),
        {
            "question": (
                "Shouldn't we just buy a new ERP system?",
                "Will this work with our current stock system?",
            ),
            "objection": ("Our software supplier says their new module will fix this.",),
            "competitor": (
                "The ERP vendor has offered a free process review as part of the sale.",
            ),
        },
    ),
    _ThemeSpec(
        "Getting the team on board",
        "Long-serving staff are wary of consultants and of what change means for jobs.",
        "A piece for owners on introducing a review to the team, with the words to use.",
        1.4,
        (),
        {
            "question": (
                "How do you get buy-in from supervisors who've been here twenty years?",
                "Will the staff think this is about cutting jobs?",
            ),
            "objection": ("My team are sceptical of consultants after the last lot.",),
            "praise": ("The floor team said it was the first time anyone had asked them.",),
        },
    ),
    _ThemeSpec(
        "Timescales and quick wins",
        "How soon anything changes, and whether a long programme is needed at all.",
        "A '30 days in' story: the quick wins from the first month of a typical review.",
        1.1,
        (),
        {
            "question": (
                "How soon would we see a difference on the floor?",
                "Can you start before the end of the quarter?",
            ),
            "objection": ("Twelve weeks feels too long — we need results this quarter.",),
            "praise": ("The quick-win list from the first visit paid for the review on its own.",),
        },
    ),
    _ThemeSpec(
        "Big firms and cheaper alternatives",
        "Comparisons with large consultancies, subsidised schemes and training companies.",
        "Why a small specialist firm: what you get that a big name or a course won't give you.",
        1.0,
        (),
        {
            "question": ("What do we get from you that we wouldn't from a larger firm?",),
            "objection": ("Why use a small firm rather than a name the board recognises?",),
            "competitor": (
                "We're also talking to one of the Big Four about a wider review.",
                "The local growth hub offers a subsidised version of this.",
                "Another consultancy quoted us a lower day rate.",
                "We had a proposal from a lean training company too.",
            ),
        },
    ),
)
