"""`make test-scale`: 50 patients at once against two replicas of every part behind HAProxy, on
PostgreSQL and Redis (tests/scale/cluster.py), while one Rasa replica, one action server, one
widget relay and one Telegram bridge are killed and restarted. Patients do what real ones do: the widget resends a
message whose answer did not come (same id), now and then twice at once, and Telegram delivers an
update twice. It passes only if every message is answered once, every finished intake is stored
exactly once and with its own patient's answers, no conversation is lost or mixed with another,
and a staff member signed in on one dashboard replica sees the same requests on the other.
"""

from __future__ import annotations

import itertools
import json
import random
import re
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import httpx
import pytest
import sqlalchemy as sa

from bot.dashboard.accounts import create_account
from bot.db.base import session_scope
from bot.web.relay import ALREADY_ANSWERED
from tests.conftest import POSTGRES_URL, REDIS_HOST, REDIS_PORT, REQUIRE_SERVICES, _reachable
from tests.fakes.telegram_api import TelegramApiStandIn
from tests.scale.cluster import Cluster, haproxy_binary
from tests.support.conversation import Patient, run_intake

pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]

WEB_INTAKES, WEB_CHATS = 12, 18
TELEGRAM_INTAKES, TELEGRAM_CHATS = 5, 15  # 50 patients in all
QUESTIONS = ["does it hurt?", "how much does it cost", "what are your opening hours", "how long is recovery?"]
FIRST_NAMES = ["Alice", "Bruno", "Carla", "Dmitri", "Elena", "Farid", "Greta", "Hugo", "Iris", "Jonas", "Kira"]
LAST_NAMES = ["Abbott", "Baker", "Carter", "Dalton", "Ellis", "Fowler", "Grant", "Hayes"]
RETRY_FOR_SECONDS = 120  # a patient whose message is not answered keeps trying this long
# What the relay and the bridge say when something failed behind them: the patient would have to
# ask again, so under crashes the parts that survive must not let a patient see these.
FAILURE_PHRASES = ("something went wrong", "having trouble", "try again")
NEUTRAL = {"messages": [{"text": ALREADY_ANSWERED}], "conversation_ended": True}
STAFF, STAFF_PASSWORD = "scale.staff", "a long passphrase for the scale test"
COLLEAGUE, COLLEAGUE_PASSWORD = "scale.colleague", "another long passphrase for the scale test"


def _require(condition: bool, reason: str) -> None:
    if condition:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason}, and REQUIRE_SERVICES=1 makes it required")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    _require(_reachable("127.0.0.1", 5432), "PostgreSQL is not reachable at 127.0.0.1:5432")
    _require(_reachable(REDIS_HOST, REDIS_PORT), f"Redis is not reachable at {REDIS_HOST}:{REDIS_PORT}")
    _require(
        haproxy_binary() is not None, "HAProxy is not installed (make test installs it: scripts/install-debian.sh)"
    )
    with TelegramApiStandIn() as stand_in:
        running = Cluster(tmp_path_factory.mktemp("scale"), POSTGRES_URL, REDIS_HOST, REDIS_PORT, stand_in)
        try:
            running.start()
            yield running
        finally:
            running.stop()


@dataclass
class Findings:
    """What went wrong, per patient; the test fails listing them."""

    problems: list[str] = field(default_factory=list)
    messages: int = 0
    resends: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def problem(self, text: str) -> None:
        with self.lock:
            self.problems.append(text)

    def count(self, messages: int = 0, resends: int = 0) -> None:
        with self.lock:
            self.messages += messages
            self.resends += resends


def unique_patients(count: int, offset: int) -> list[Patient]:
    names = list(itertools.product(FIRST_NAMES, LAST_NAMES))[offset : offset + count]
    return [
        Patient(name=f"{first} {last}", email=f"{first.lower()}.{last.lower()}@example.com") for first, last in names
    ]


class WebPatient:
    """The widget as it behaves (bot/web/static/widget.js): one id per message, resent until
    answered; here also sent twice at once now and then, and resent after its answer came."""

    def __init__(self, base_url: str, findings: Findings, seed: int):
        self.client = httpx.Client(base_url=base_url, timeout=45, headers={"origin": base_url})
        self.findings = findings
        self.random = random.Random(seed)
        self.session = self._post_until_answered("/api/session", {})

    def _post_until_answered(self, path: str, body: dict) -> dict:
        deadline = time.monotonic() + RETRY_FOR_SECONDS
        while time.monotonic() < deadline:
            try:
                response = self.client.post(path, json=body)
            except httpx.HTTPError:
                time.sleep(0.5)  # the relay (or what is behind it) went away: try again
                continue
            if response.status_code == 200:
                return response.json()
            if response.status_code == 429:
                time.sleep(float(response.json().get("retry_after", 1)))
            elif response.status_code >= 500:
                time.sleep(0.5)
            else:
                raise AssertionError(f"{path} answered {response.status_code}: {response.text[:200]}")
        raise AssertionError(f"{path} was not answered within {RETRY_FOR_SECONDS}s")

    def say(self, text: str) -> list[dict]:
        body = {**self.session, "message_id": f"msg-{uuid.uuid4().hex[:12]}", "text": text}
        twice = self.random.random() < 0.25
        with ThreadPoolExecutor(2) as pool:
            copies = [pool.submit(self._post_until_answered, "/api/chat", body) for _ in range(2 if twice else 1)]
            answers = [copy.result() for copy in copies]
        if self.random.random() < 0.15:  # the answer came, but the widget resends (a reload mid-request)
            answers.append(self._post_until_answered("/api/chat", body))
        self.findings.count(messages=1, resends=len(answers) - 1)
        # A copy that came after its conversation ended (and was deleted, with its answers) gets
        # the neutral answer, by design (bot/exactly_once.py); any other difference is a fault.
        distinct = [answer for answer in answers if answer != NEUTRAL] or answers
        if any(answer != distinct[0] for answer in distinct) or (
            len(distinct) < len(answers) and not distinct[0].get("conversation_ended")
        ):
            self.findings.problem(f"web message {text!r} got different answers: {answers}")
        return distinct[0]["messages"]


class TelegramPatient:
    """A chat whose updates Telegram delivers to the webhook (the load balancer, so either bridge
    replica), re-delivering when it gets no 200, and here also delivering some of them twice."""

    def __init__(self, stand_in: TelegramApiStandIn, chat_id: int, findings: Findings, seed: int):
        self.stand_in, self.chat_id, self.findings = stand_in, chat_id, findings
        self.random = random.Random(seed)
        self.seen = 0

    def _deliver(self, update: dict) -> None:
        deadline = time.monotonic() + RETRY_FOR_SECONDS
        while time.monotonic() < deadline:
            try:
                if self.stand_in.deliver_webhook(update) == 200:
                    return
            except OSError:
                pass
            time.sleep(0.5)
        raise AssertionError("the webhook did not take an update")

    def say(self, text: str) -> list[dict]:
        update = self.stand_in.text_update(self.chat_id, text)
        copies = 2 if self.random.random() < 0.3 else 1
        for _ in range(copies):
            self._deliver(update)
        self.findings.count(messages=1, resends=copies - 1)
        return [{"text": message["text"]} for message in self._answer()]

    def _answer(self) -> list[dict]:
        """The bot's new messages once it has answered: they come together, so wait for a pause."""
        self.stand_in.wait_for_messages(self.chat_id, self.seen + 1, timeout=RETRY_FOR_SECONDS)
        count = -1
        while count != len(self.stand_in.sent_messages(self.chat_id)):
            count = len(self.stand_in.sent_messages(self.chat_id))
            time.sleep(0.8)
        new = self.stand_in.sent_messages(self.chat_id)[self.seen :]
        self.seen = count
        return new

    def leftovers(self) -> list[str]:
        """Messages that came after the patient stopped: an update handled twice."""
        time.sleep(1)
        return [message["text"] for message in self.stand_in.sent_messages(self.chat_id)[self.seen :]]


def _chat(patient, findings: Findings, who: str) -> None:
    for question in QUESTIONS:
        texts = [m.get("text", "") for m in patient.say(question)]
        if not any(texts):
            findings.problem(f"{who}: {question!r} got no answer")
        if any(phrase in " ".join(texts) for phrase in FAILURE_PHRASES):
            findings.problem(f"{who}: {question!r} got an apology instead of an answer: {texts}")
        if len(texts) != len(set(texts)):
            findings.problem(f"{who}: {question!r} was answered twice: {texts}")


def _intake(patient, person: Patient, findings: Findings, who: str) -> None:
    try:
        transcript = run_intake(patient.say, person)
    except AssertionError as error:
        findings.problem(f"{who}: the intake went wrong: {error}")
        return
    if not re.search(r"reference is [A-Z0-9-]+", transcript[-1]):
        findings.problem(f"{who}: the intake ended without a reference: {transcript[-1][:200]!r}")
    review = next((text for text in transcript if "Here is what I'll send" in text), "")
    if person.name not in review or person.email not in review:
        findings.problem(f"{who}: the review shows someone else's answers")


CRASHED_PARTS = ("rasa1", "actions1", "web1", "telegram1")


def _crashes(
    cluster: Cluster, started: threading.Event, log: list[str], killed_at: dict[str, float], restarts: list
) -> None:
    """One Rasa replica, one action server, one relay and one Telegram bridge die while patients
    are mid-conversation; each comes back on its own thread (kept in `restarts`)."""
    started.wait()
    for name, after in zip(CRASHED_PARTS, (6, 4, 4, 3)):
        time.sleep(after)
        cluster.kill(name)
        killed_at[name] = time.monotonic()
        log.append(f"{time.strftime('%H:%M:%S')} killed {name}")
        restart = threading.Thread(target=_restart, args=(cluster, name, log), daemon=True)
        restart.start()
        restarts.append(restart)


def _restart(cluster: Cluster, name: str, log: list[str]) -> None:
    time.sleep(3)
    cluster.restart(name)
    log.append(f"{time.strftime('%H:%M:%S')} {name} back")


def _stored(cluster: Cluster) -> dict[str, list[tuple]]:
    engine = sa.create_engine(cluster.database_url)
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT name, email, channel, reference FROM consultation_requests")).all()
    engine.dispose()
    by_name: dict[str, list[tuple]] = {}
    for name, email, channel, reference in rows:
        by_name.setdefault(name, []).append((email, channel, reference))
    return by_name


def _dashboard_sees(cluster: Cluster, names: list[str]) -> dict[str, set[str]]:
    """Signs in once, on the first dashboard replica; reads the request list on both with that session."""
    with session_scope(cluster.database_url) as session:
        create_account(session, STAFF, "staff", STAFF_PASSWORD, actor="scale test")
    first = httpx.Client(base_url=cluster.replica_url("dashboard1"), timeout=30)
    page = first.get("/signin").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    signed_in = first.post(
        "/signin", data={"username": STAFF, "password": STAFF_PASSWORD, "csrf_token": token, "next": "/"}
    )
    assert signed_in.status_code == 303, signed_in.text[:300]
    seen = {}
    for replica in ("dashboard1", "dashboard2"):
        client = httpx.Client(base_url=cluster.replica_url(replica), timeout=30, cookies=first.cookies)
        listing = client.get("/", params={"per_page": 200})
        assert listing.status_code == 200, f"{replica} did not accept the session from dashboard1"
        seen[replica] = {name for name in names if name in listing.text}
    return seen


def test_fifty_patients_on_two_replicas_of_everything_while_parts_crash(cluster):
    findings = Findings()
    web_people = unique_patients(WEB_INTAKES, 0)
    telegram_people = unique_patients(TELEGRAM_INTAKES, WEB_INTAKES)
    crash_log: list[str] = []
    killed_at: dict[str, float] = {}
    restarts: list[threading.Thread] = []
    started = threading.Event()
    crashing = threading.Thread(target=_crashes, args=(cluster, started, crash_log, killed_at, restarts), daemon=True)
    crashing.start()
    chat_ids = itertools.count(880_001)

    def web(n: int) -> None:
        patient = WebPatient(cluster.lb_url("web"), findings, seed=n)
        started.set()
        if n < WEB_INTAKES:
            _intake(patient, web_people[n], findings, f"web patient {n}")
        else:
            _chat(patient, findings, f"web patient {n}")

    def telegram(n: int) -> None:
        patient = TelegramPatient(cluster.stand_in, next(chat_ids), findings, seed=1000 + n)
        if n < TELEGRAM_INTAKES:
            _intake(patient, telegram_people[n], findings, f"telegram patient {n}")
        else:
            _chat(patient, findings, f"telegram patient {n}")
        if leftovers := patient.leftovers():
            findings.problem(f"telegram patient {n} got messages after the conversation: {leftovers}")

    began = time.monotonic()
    with ThreadPoolExecutor(50) as pool:
        jobs = [pool.submit(web, n) for n in range(WEB_INTAKES + WEB_CHATS)]
        jobs += [pool.submit(telegram, n) for n in range(TELEGRAM_INTAKES + TELEGRAM_CHATS)]
        for job in jobs:
            try:
                job.result()
            except Exception as error:  # noqa: BLE001 - a patient left unanswered is a finding
                findings.problem(f"a patient gave up: {type(error).__name__}: {error}")
    ended = time.monotonic()
    seconds = ended - began
    # A part killed near the end may come back after the last patient is done: wait for it.
    crashing.join(timeout=60)
    for restart in restarts:
        restart.join(timeout=120)
    print(f"\nscale run: {findings.messages} messages, {findings.resends} resent, {seconds:.0f}s; {crash_log}")
    assert [name for name in CRASHED_PARTS if killed_at.get(name, ended) < ended] == list(CRASHED_PARTS), (
        f"not every part was killed while patients were talking: {crash_log}"
    )
    assert len(crash_log) == 8, f"not every killed part came back: {crash_log}"
    assert not findings.problems, "\n".join(findings.problems)

    stored = _stored(cluster)
    for person, channel in [(p, "web") for p in web_people] + [(p, "telegram") for p in telegram_people]:
        rows = stored.get(person.name, [])
        assert len(rows) == 1, f"{person.name}'s intake was stored {len(rows)} times"
        assert rows[0][0] == person.email and rows[0][1] == channel, f"{person.name}'s request holds another's answers"
    assert len(stored) == WEB_INTAKES + TELEGRAM_INTAKES, "requests were stored that no patient finished"

    names = [person.name for person in web_people + telegram_people]
    seen = _dashboard_sees(cluster, names)
    assert seen["dashboard1"] == seen["dashboard2"] == set(names)


def _sign_in_through_balancer(cluster: Cluster, source: str, username: str, password: str, forwarded=None) -> int:
    """One sign-in through HAProxy's dashboard frontend, from this loopback source address."""
    transport = httpx.HTTPTransport(local_address=source)
    with httpx.Client(base_url=cluster.lb_url("dashboard"), transport=transport, timeout=30) as client:
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/signin").text).group(1)
        headers = {"X-Forwarded-For": forwarded} if forwarded else {}
        form = {"username": username, "password": password, "csrf_token": token, "next": "/"}
        return client.post("/signin", data=form, headers=headers).status_code


def test_sign_in_limits_count_each_staff_address_behind_the_load_balancer(cluster):
    """Both dashboards see every sign-in come from HAProxy; the limit of 20 attempts per address
    still holds back only the address that made them, and a header it writes itself changes nothing."""
    with session_scope(cluster.database_url) as session:
        create_account(session, COLLEAGUE, "staff", COLLEAGUE_PASSWORD, actor="scale test")
    guesser, colleague = "127.0.0.2", "127.0.0.3"
    statuses = [_sign_in_through_balancer(cluster, guesser, f"nobody{n}", "a wrong guess") for n in range(21)]
    assert statuses == [401] * 20 + [429]
    assert _sign_in_through_balancer(cluster, guesser, COLLEAGUE, COLLEAGUE_PASSWORD, "198.51.100.7") == 429
    assert _sign_in_through_balancer(cluster, colleague, COLLEAGUE, COLLEAGUE_PASSWORD) == 303


def test_every_replica_logs_json_lines_that_name_the_conversation_and_never_a_patient(cluster):
    """Runs after the load: the logs of the replicas that served it."""
    referenced = 0
    for name in ("rasa2", "actions2", "web2", "telegram1", "telegram2"):
        for line in cluster.log(name).splitlines():
            if not line.startswith("{"):
                continue  # a library printing before logging is set up (Rasa's start-up notices)
            entry = json.loads(line)
            assert {"time", "level", "part", "message", "conversation", "request_id"} <= entry.keys()
            referenced += bool(entry["conversation"])
            for person in unique_patients(WEB_INTAKES + TELEGRAM_INTAKES, 0):
                assert person.name not in line and person.email not in line
    assert referenced, "no log line names the conversation it is about"
