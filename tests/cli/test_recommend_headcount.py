"""`recommend --headcount`: people to concurrent users, each pick's busy hour, one currency."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from sizer.cli.app import app
from sizer.core.capacity import headcount_for_users, users_for_headcount

runner = CliRunner()


def _run(*args: str) -> dict:
    result = runner.invoke(app, ["recommend", *args, "--json"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return json.loads(result.output[result.output.index("{") :])


def test_a_headcount_with_a_budget_in_eur_is_sized_and_priced_in_eur():
    # Issue 11, scenario 6: 200 people, 40,000 EUR.
    d = _run("--use-case", "chat", "--headcount", "200", "--budget", "40000")
    picks = d["recommendations"]
    assert picks
    needs = d["needs"]
    assert needs["headcount"] == 200
    # 10 requests per person and hour, 215 tokens each streamed at 10 tok/s: 200 x 10 / 3600 x 21.5 s
    # = 11.9 requests in flight on average, 17.6 at the 95th percentile -> 18 users
    assert needs["users"] == 18 == users_for_headcount(200, 10, 215, 10)
    for p in picks:
        assert p["cost"]["currency"] == "EUR"
        assert p["capacity"]["headcount"] == 200
        assert p["capacity"]["max_headcount_at_slo"] == headcount_for_users(p["users_served"], 10, 215, 10)
        assert p["serving"]["concurrency"] == 18


def test_users_and_headcount_do_not_go_together():
    for args in (["--users", "5", "--headcount", "50"], ["--requests-per-hour", "4"]):
        result = runner.invoke(app, ["recommend", *args])
        assert result.exit_code == 2
        assert len(result.output.strip().splitlines()) == 1


def test_headcount_inverts_users():
    for users in (1, 2, 7, 18, 100, 1000):
        people = headcount_for_users(users, 10, 215, 10)
        assert users_for_headcount(people, 10, 215, 10) <= users < users_for_headcount(people + 1, 10, 215, 10) + 1
