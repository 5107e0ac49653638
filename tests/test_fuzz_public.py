"""Generated hostile bodies against every public endpoint (Hypothesis).

Whatever arrives, a public endpoint answers it with something other than a server
error; and every submission answered with success is stored, is processed or
quarantined by the worker, and shows on the Inbox or Quarantine pages without a
500. Text strategies include lone surrogates, NUL and the other control
characters; raw-byte strategies include bodies no client library would write.

The runs are derandomised (the same examples on every run), so CI never fails by
chance; a new strategy or a code change explores new ground.
"""

import json
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handraise.enquiries.intake import KNOWN_FIELDS
from handraise.enquiries.models import Submission

# Transactional: the worker closes and reopens connections as in production.
pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

FUZZ = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Any code point, surrogates and controls included; and the kind of text forms carry.
HOSTILE = st.sampled_from(
    ["\ud800", "\udcff", "\x00", "\x0b", "\x1c", "\r", "\x85", "\u2028", "\ufffe"]
)
ANY_TEXT = st.text(
    st.one_of(st.characters(codec=None, exclude_categories=()), HOSTILE), max_size=300
)
FIELD_NAMES = st.sampled_from([k for k in KNOWN_FIELDS if k != "hr_submission_id"])
VALUES = st.one_of(
    ANY_TEXT,
    st.integers(),
    st.floats(allow_nan=True),
    st.booleans(),
    st.none(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2),
)
# Mostly valid enough to be stored, so the hostile text travels the whole way: some of it
# wholly random, some ordinary text with one hostile character in it.
SOME_TEXT = st.one_of(
    ANY_TEXT.map(lambda text: f"A{text}"),
    st.builds(lambda a, h, b: f"A{a}{h}{b}", st.text(max_size=40), HOSTILE, st.text(max_size=40)),
)
EMAILS = st.one_of(st.emails(), st.emails(), st.emails(), ANY_TEXT)
PLAUSIBLE = st.fixed_dictionaries(
    {"name": SOME_TEXT, "email": EMAILS, "message": SOME_TEXT},
    optional={name: ANY_TEXT for name in ("phone", "company", "utm_source", "hr_website")},
)
JSON_BODIES = st.one_of(
    PLAUSIBLE,
    PLAUSIBLE,
    st.dictionaries(FIELD_NAMES | st.text(max_size=20), VALUES, max_size=8),
    VALUES,
)
CONTENT_TYPES = st.sampled_from(
    [
        "application/json",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=xyz",
        "multipart/form-data",
        "text/plain",
        "application/json; charset=latin-1",
        "",
    ]
)
PATHS = st.sampled_from(["/f/contact/", "/f/contact/thanks/", "/f/nope/", "/login/"]) | st.text(
    st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters="?#%"), max_size=40
).map(lambda s: f"/f/{s}/")


@pytest.fixture
def prospect(settings) -> Client:
    settings.INTAKE_RATE_LIMIT = "1000000/m"
    settings.LOGIN_RATE_LIMIT = "1000000/m"
    return Client(REMOTE_ADDR="198.51.100.20")


class Answers:
    """How many posts were answered with success, and the ids the JSON ones got."""

    def __init__(self) -> None:
        self.successes = 0
        self.ids: list[str] = []

    def record(self, response) -> None:
        assert response.status_code < 500, (response.status_code, response.content[:300])
        if response.status_code in (201, 303) and response.wsgi_request.path == "/f/contact/":
            self.successes += 1
            if response.status_code == 201:
                self.ids.append(response.json()["id"])


def assert_all_stored_and_shown(answers: Answers, owner_client: Client) -> None:
    print(f"{answers.successes} stored")
    assert Submission.objects.count() == answers.successes
    assert set(answers.ids) <= {
        str(i) for i in Submission.objects.values_list("public_id", flat=True)
    }
    call_command("worker", "--batch", verbosity=0)
    statuses = set(Submission.objects.values_list("status", flat=True))
    assert statuses <= {Submission.Status.PROCESSED, Submission.Status.QUARANTINED}, statuses
    for submission in Submission.objects.filter(status=Submission.Status.PROCESSED):
        assert owner_client.get(f"/inbox/{submission.enquiry_id}/").status_code == 200
    for page in range(1, answers.successes // 25 + 2):
        assert owner_client.get(f"/inbox/?page={page}").status_code == 200
        assert owner_client.get(f"/inbox/quarantine/?page={page}").status_code == 200
    assert owner_client.get("/").status_code == 200


def test_generated_json_bodies_never_get_a_server_error(prospect, owner_client):
    answers = Answers()

    @FUZZ
    @given(body=JSON_BODIES)
    def post(body):
        answers.record(
            prospect.post("/f/contact/", json.dumps(body), content_type="application/json")
        )

    post()
    assert answers.successes > 0  # the strategies do reach the happy path
    assert_all_stored_and_shown(answers, owner_client)


def test_generated_form_posts_never_get_a_server_error(prospect, owner_client):
    answers = Answers()
    printable = st.text(st.characters(exclude_categories=("Cs",)), max_size=300)
    some = printable.map(lambda text: f"A{text}")
    forms = st.fixed_dictionaries(
        {"name": some, "email": st.one_of(st.emails(), st.emails(), printable), "message": some},
        optional={"company": printable, "phone": printable, "hr_started": printable},
    )

    @FUZZ
    @given(form=forms)
    def post(form):
        answers.record(prospect.post("/f/contact/", form))

    post()
    assert answers.successes > 0
    assert_all_stored_and_shown(answers, owner_client)


def test_generated_raw_bodies_and_headers_never_get_a_server_error(prospect, owner_client):
    answers = Answers()
    sent = iter(range(10**9))

    @FUZZ
    @given(
        path=PATHS,
        method=st.sampled_from(["GET", "POST", "OPTIONS", "PUT", "HEAD"]),
        body=st.binary(max_size=2000),
        content_type=CONTENT_TYPES,
        key=st.text(st.characters(max_codepoint=0xFF, exclude_categories=("Cc",)), max_size=300),
        origin=st.sampled_from(["", "https://evil.example", "null", "http://127.0.0.1:8000"]),
    )
    def send(path, method, body, content_type, key, origin):
        headers = {"Origin": origin} if origin else {}
        if key:  # numbered: a repeated key is the idempotency tests' business, not this one's
            headers["Idempotency-Key"] = f"{next(sent)}-{key}"
        response = prospect.generic(method, path, body, content_type=content_type, headers=headers)
        answers.record(response)

    send()
    assert_all_stored_and_shown(answers, owner_client)


def test_generated_calendar_secrets_and_sign_ins_never_get_a_server_error(prospect):
    @FUZZ
    @given(secret=ANY_TEXT.filter(lambda s: "/" not in s), username=ANY_TEXT, password=ANY_TEXT)
    def probe(secret, username, password):
        feed = prospect.get(f"/calendar/{quote(secret, errors='surrogatepass')}.ics")
        assert feed.status_code in (404, 400), feed.status_code
        login = prospect.post(
            "/login/",
            f"username={quote(username, errors='surrogatepass')}"
            f"&password={quote(password, errors='surrogatepass')}",
            content_type="application/x-www-form-urlencoded",
        )
        assert login.status_code < 500, login.status_code

    probe()


def test_generated_password_reset_requests_and_links_never_get_a_server_error(prospect, settings):
    settings.PASSWORD_RESET_RATE_LIMIT = "1000000/h"

    @FUZZ
    @given(email=ANY_TEXT, uid=ANY_TEXT.filter(lambda s: "/" not in s), token=ANY_TEXT)
    def probe(email, uid, token):
        request = prospect.post(
            "/password/reset/",
            f"email={quote(email, errors='surrogatepass')}",
            content_type="application/x-www-form-urlencoded",
        )
        assert request.status_code in (200, 302), request.status_code
        link = prospect.get(
            f"/password/reset/{quote(uid, errors='surrogatepass', safe='')}/"
            f"{quote(token, errors='surrogatepass', safe='')}/"
        )
        assert link.status_code in (200, 302, 404), link.status_code

    probe()
