"""From people to load: a seeded discrete-event simulation of an engine's continuous-batching
scheduler under Poisson arrivals, and the largest headcount it serves within the SLOs. Pure.

Each scheduler step admits waiting requests while slots and KV cache allow (first come, first
served), gives every decoding request one token, and spends the rest of its batch-token budget
on prompts (chunked prefill). A step costs a decode step of the batch at the mean depth
(core/serving.py: `step_s`) plus the prompt tokens' compute at the per-token prompt cost.
"""

from __future__ import annotations

import math
import random
from collections import deque
from dataclasses import dataclass

from sizer.core.serving import Rig, closed_loop, largest, max_concurrency, prompts_s, step_s
from sizer.models.results import Capacity, LoadPoint

# Requests simulated per run, and the share at the start left out as warm-up: enough for a
# stable 95th percentile (the seeded runs' p95 moves < 5 % between seeds at this size).
REQUESTS = 1200
WARM_UP_FRAC = 0.1


@dataclass(frozen=True)
class Simulated:
    """What a run of the simulation measured (seconds, requests)."""

    ttft_p50_s: float
    ttft_p95_s: float
    itl_p95_s: float  # the 95th percentile of the gaps between two tokens of a request
    tpot_p95_s: float  # the 95th percentile over requests of their mean time per output token
    peak_concurrency: int  # most requests in the system (running and waiting) at once
    saturated: bool  # the queue kept growing: arrivals outrun what the rig serves


def _pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, math.ceil(q * len(s)) - 1))] if s else 0.0


@dataclass
class _Request:
    arrival: float
    prompt_left: int
    output_left: int
    first_token: float | None = None
    last_token: float | None = None
    tokens: int = 0


def _chunk(running: list[_Request], room: int) -> tuple[int, list[_Request]]:
    """Fill a step's prompt budget first come, first served: tokens taken, prompts it completes."""
    taken, finished = 0, []
    for r in running:
        if r.prompt_left and room:
            take = min(r.prompt_left, room)
            r.prompt_left -= take
            room -= take
            taken += take
            if r.prompt_left == 0:
                finished.append(r)
    return taken, finished


def simulate(
    rig: Rig,
    arrival_rate_per_s: float,
    prompt_tokens: int,
    output_tokens: int,
    seed: int = 0,
    requests: int = REQUESTS,
) -> Simulated:
    """Poisson arrivals at `arrival_rate_per_s`, each request `prompt_tokens` in, `output_tokens` out."""
    rng = random.Random(seed)
    slots = max(1, min(rig.max_slots, math.floor(max_concurrency(rig, prompt_tokens + output_tokens))))
    per_prompt_token = prompts_s(rig, 1, prompt_tokens) / prompt_tokens
    depth = prompt_tokens + output_tokens / 2
    steps: dict[int, float] = {}

    def decode_s(batch: int) -> float:
        if batch not in steps:
            steps[batch] = step_s(rig, batch, depth)
        return steps[batch]

    arrivals, t = [], 0.0
    for _ in range(requests):
        t += rng.expovariate(arrival_rate_per_s)
        arrivals.append(t)
    pending = deque(_Request(a, prompt_tokens, output_tokens) for a in arrivals)
    waiting: deque[_Request] = deque()
    running: list[_Request] = []
    done: list[_Request] = []
    gaps: list[float] = []
    now, peak = 0.0, 0
    budget = rig.chunk_tokens
    while pending or waiting or running:
        while pending and pending[0].arrival <= now:
            waiting.append(pending.popleft())
        if not running and not waiting:
            now = pending[0].arrival
            continue
        while waiting and len(running) < slots:
            running.append(waiting.popleft())
        peak = max(peak, len(running) + len(waiting))
        decoding = [r for r in running if r.prompt_left == 0]
        prefill_tokens, finishing_prompts = _chunk(running, max(budget - len(decoding), 0))
        seconds = (decode_s(len(decoding)) if decoding else 0.0) + prefill_tokens * per_prompt_token
        now += seconds
        for r in decoding:
            gaps.append(now - (r.last_token or now))
            r.last_token = now
            r.output_left -= 1
            r.tokens += 1
        for r in finishing_prompts:  # the prompt's last chunk yields the first token
            r.first_token = r.last_token = now
            r.output_left -= 1
        still: list[_Request] = []
        for r in running:
            (done if r.output_left <= 0 else still).append(r)
        running = still
        if len(waiting) > 4 * slots + requests // 4:  # unbounded queue: arrivals outrun service
            break
    kept = [r for r in done if r.arrival >= arrivals[int(WARM_UP_FRAC * len(arrivals))]] or done
    # The server's own time on each request (serving.Rig.request_s) comes before its first token.
    ttfts = [r.first_token - r.arrival + rig.request_s for r in kept if r.first_token is not None]
    tpots = [
        (r.last_token - r.first_token) / r.tokens
        for r in kept
        if r.tokens and r.first_token is not None and r.last_token is not None
    ]
    # Saturated: requests left unserved, or served more slowly than they came (the queue grew all along).
    served_rate = len(done) / max(now - arrivals[0], 1e-9)
    saturated = len(done) < requests or served_rate < 0.9 * arrival_rate_per_s
    return Simulated(
        ttft_p50_s=_pct(ttfts, 0.5) if not saturated else math.inf,
        ttft_p95_s=_pct(ttfts, 0.95) if not saturated else math.inf,
        itl_p95_s=_pct(gaps, 0.95),
        tpot_p95_s=_pct(tpots, 0.95),
        peak_concurrency=peak,
        saturated=saturated,
    )


def meets(sim: Simulated, max_ttft_s: float | None, min_tokens_per_s: float) -> bool:
    """Within both SLOs: p95 time to first token, and each person's speed (tokens/s over a
    request's output, at the 95th percentile of requests; single slow steps with a prompt chunk
    in them do not count against it, a request that is slow throughout does)."""
    if sim.saturated:
        return False
    if max_ttft_s is not None and sim.ttft_p95_s > max_ttft_s:
        return False
    return sim.tpot_p95_s <= 0 or 1 / sim.tpot_p95_s >= min_tokens_per_s


def arrival_rate(headcount: int, requests_per_hour: float) -> float:
    """Requests per second at the busy hour: each person sends `requests_per_hour` requests."""
    return headcount * requests_per_hour / 3600


def max_headcount(
    rig: Rig,
    requests_per_hour: float,
    prompt_tokens: int,
    output_tokens: int,
    max_ttft_s: float | None,
    min_tokens_per_s: float,
    seed: int = 0,
    most: int = 1_000_000,
) -> int:
    """The largest headcount whose busy-hour load the rig serves within the SLOs (0: not even one)."""

    def ok(people: int) -> bool:
        rate = arrival_rate(people, requests_per_hour)
        return meets(simulate(rig, rate, prompt_tokens, output_tokens, seed), max_ttft_s, min_tokens_per_s)

    return largest(ok, most, per=50)  # to within 2 %: the simulation's own noise is larger


def busy_hour(
    rig: Rig,
    headcount: int,
    requests_per_hour: float,
    prompt_tokens: int,
    output_tokens: int,
    max_ttft_s: float | None,
    min_tokens_per_s: float,
    seed: int = 0,
) -> Capacity:
    """The busy hour of `headcount` people on the rig, and the most people it serves within the SLOs."""
    sim = simulate(rig, arrival_rate(headcount, requests_per_hour), prompt_tokens, output_tokens, seed)
    most = max_headcount(rig, requests_per_hour, prompt_tokens, output_tokens, max_ttft_s, min_tokens_per_s, seed)
    return _capacity(sim, headcount, requests_per_hour, max_ttft_s, min_tokens_per_s, most)


def _capacity(
    sim: Simulated,
    headcount: int,
    requests_per_hour: float,
    max_ttft_s: float | None,
    min_tokens_per_s: float,
    max_headcount_at_slo: int,
) -> Capacity:
    """A simulated busy hour as `estimate --json` and each pick report it."""
    return Capacity(
        headcount=headcount,
        requests_per_hour=requests_per_hour,
        arrival_rate_per_s=arrival_rate(headcount, requests_per_hour),
        ttft_p50_s=None if sim.saturated else sim.ttft_p50_s,
        ttft_p95_s=None if sim.saturated else sim.ttft_p95_s,
        itl_p95_s=sim.itl_p95_s,
        tpot_p95_s=sim.tpot_p95_s,
        peak_concurrency=sim.peak_concurrency,
        max_ttft_s=max_ttft_s,
        min_tokens_per_s=min_tokens_per_s,
        meets_slo=meets(sim, max_ttft_s, min_tokens_per_s),
        max_headcount_at_slo=max_headcount_at_slo,
    )


# The 95th percentile of the number of requests in flight when they arrive at random and each
# stays a fixed time (an M/G/infinity queue: Poisson with mean L; normal approximation L + 1.645 sqrt L).
P95_Z = 1.645


def slot_seconds(output_tokens: int, min_tokens_per_s: float) -> float:
    """How long a request holds a slot when served at the SLO's speed (its output streamed at
    `min_tokens_per_s`; the prompt's share is small beside it)."""
    return output_tokens / max(min_tokens_per_s, 1e-9)


def users_for_headcount(headcount: int, requests_per_hour: float, output_tokens: int, min_tokens_per_s: float) -> int:
    """Concurrent users to size for: the 95th percentile of requests in flight at the busy hour."""
    load = arrival_rate(headcount, requests_per_hour) * slot_seconds(output_tokens, min_tokens_per_s)
    return max(1, math.ceil(load + P95_Z * math.sqrt(load)))


def headcount_for_users(users: int, requests_per_hour: float, output_tokens: int, min_tokens_per_s: float) -> int:
    """The most people whose busy hour needs no more than `users` concurrent users (the inverse)."""
    if users < 1:
        return 0
    root = (-P95_Z + math.sqrt(P95_Z**2 + 4 * users)) / 2  # L + z sqrt(L) = users, for sqrt(L)
    rate = root**2 / slot_seconds(output_tokens, min_tokens_per_s)
    people = math.floor(rate * 3600 / requests_per_hour)
    while people > 0 and users_for_headcount(people, requests_per_hour, output_tokens, min_tokens_per_s) > users:
        people -= 1
    return people


def pick_capacity(
    rig: Rig,
    headcount: int,
    requests_per_hour: float,
    prompt_tokens: int,
    output_tokens: int,
    max_ttft_s: float | None,
    min_tokens_per_s: float,
    users_served: int,
    seed: int = 0,
) -> Capacity:
    """A pick's busy hour: one seeded simulation at the headcount, and the most people it serves
    from the users it serves (`headcount_for_users`, validated against the simulation in the tests)."""
    sim = simulate(rig, arrival_rate(headcount, requests_per_hour), prompt_tokens, output_tokens, seed, requests=400)
    most = headcount_for_users(users_served, requests_per_hour, output_tokens, min_tokens_per_s)
    return _capacity(sim, headcount, requests_per_hour, max_ttft_s, min_tokens_per_s, most)


# The loads a latency curve is drawn at: shares of the asked headcount (or of the concurrent
# users), from a quarter of it to three times it, so the curve shows where latency turns up.
CURVE_SHARES = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)


def latency_curve(
    rig: Rig,
    prompt_tokens: int,
    output_tokens: int,
    min_tokens_per_s: float,
    users: int,
    headcount: int | None = None,
    requests_per_hour: float | None = None,
) -> tuple[LoadPoint, ...]:
    """Time to first token and between tokens at loads around the asked one: per headcount, the
    users it needs at the p95 (`users_for_headcount`) in the closed loop (core/serving.py); with no
    headcount, per number of concurrent users. Sorted by load, one point per distinct load."""
    points: dict[int, LoadPoint] = {}
    for share in CURVE_SHARES:
        people: int | None = None
        if headcount is not None and requests_per_hour is not None:
            people = max(1, round(headcount * share))
            n = users_for_headcount(people, requests_per_hour, output_tokens, min_tokens_per_s)
        else:
            n = max(1, round(users * share))
        key = people if people is not None else n
        if key in points:
            continue
        loop = closed_loop(rig, n, prompt_tokens, output_tokens)
        points[key] = LoadPoint(
            headcount=people,
            concurrency=n,
            ttft_s=loop.ttft_s,
            itl_s=loop.itl_s,
            request_latency_s=loop.request_latency_s,
        )
    return tuple(points[k] for k in sorted(points))
