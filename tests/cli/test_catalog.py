"""`sizer catalog models|gpus`."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from sizer.cli.app import app

runner = CliRunner()


def test_models_json_answers_the_seed_table():
    result = runner.invoke(app, ["catalog", "models", "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    by_id = {m["id"]: m for m in data["models"]}
    assert len(by_id) >= 45
    # The seed's sizing table: 7B -> 8 GB class, 70B needs far more than one consumer card.
    assert by_id["llama-2-7b"]["smallest_gpu_class"] in {"8 GiB", "10 GiB", "11 GiB", "12 GiB"}
    assert by_id["llama-2-70b"]["memory_bytes_total"] > 3 * by_id["llama-2-13b"]["memory_bytes_total"]
    assert all(isinstance(m["memory_bytes_total"], int) for m in data["models"])


def test_models_table_lists_gib():
    result = runner.invoke(app, ["catalog", "models"], catch_exceptions=False, env={"COLUMNS": "250"})
    assert result.exit_code == 0
    assert "GiB" in result.output and "llama-3.1-8b" in result.output


def test_gpus_json_has_the_price_object():
    result = runner.invoke(app, ["catalog", "gpus", "--json"], catch_exceptions=False)
    data = json.loads(result.output)
    by_id = {g["id"]: g for g in data["gpus"]}
    assert len(by_id) >= 40
    rtx4090 = next(g for g in data["gpus"] if "NVIDIA GeForce RTX 4090" in g["aliases"])
    price = rtx4090["price"]
    assert {"amount", "currency", "date", "vat_included", "kind", "source"} <= set(price)
    assert (price["amount"], price["currency"], price["vat_included"], price["kind"]) == (
        2104.10,
        "EUR",
        False,
        "street",
    )
    assert price["converted_from"].startswith("USD 2,470.00 at 0.8519 EUR/USD")
    assert rtx4090["suited_for"].startswith("models up to")


def test_bad_catalog_kind_exits_2():
    result = runner.invoke(app, ["catalog", "cars"])
    assert result.exit_code == 2
