"""Reading measured runs from the files benchmark tools write, and matching them to the catalog.

Formats, told apart by their content (never by the file name):
- llama-bench `-o json` (an array of objects with `avg_ts`), `-o jsonl` (one such object a line),
  `-o csv` (a header with `avg_ts`) and its default Markdown table (`| model | ... | t/s |`);
- llama-batched-bench's table (`| PP | TG | B | N_KV | T_PP s | S_PP t/s | ...`);
- `vllm bench serve --save-result` JSON (an object with `output_throughput`);
- `vllm bench latency --output-json` JSON (an object with `avg_latency`, `latencies` and
  `percentiles`; the run's --input-len, --output-len and --batch-size are not in it, so they come
  from `sizer calibrate`'s options of the same names, else the run is left out with the reason);
- ollama's `--verbose` timing block (`prompt eval rate:` and `eval rate:` lines).

A file that is none of these, or breaks its own format, is bad input: one line that names the
file and the line.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sizer.bounds import echo
from sizer.calibrate.measured import Measured
from sizer.calibrate.runs import Row
from sizer.errors import N_, InputError, Message, SizerError
from sizer.io.files import read_bytes

MAX_RUN_FILE_BYTES = 8 * 1024 * 1024  # a week of llama-bench sweeps is a few hundred KiB
MAX_RUNS_PER_FILE = 10_000
MAX_TOKENS = 10_000_000  # prompt, output and depth lengths past this are not a benchmark
MAX_RATE = 1e9  # tokens per second
MAX_LATENCY_S = 1e6  # seconds of one batch: eleven days is no benchmark
_MAX_FIELD = 4096  # characters of one name field

LLAMA_BENCH = "llama-bench"
BATCHED_BENCH = "llama-batched-bench"
VLLM_SERVE = "vllm bench serve"
VLLM_LATENCY = "vllm bench latency"
OLLAMA = "ollama"


def _bad(where: str, why: str, /, **values: object) -> InputError:
    """Bad input at `where` (file:line): `why` a template marked N_, filled with `values`."""
    return InputError(N_("{where}: {why}"), where=where, why=Message(why, **values))


def _number(where: str, name: str, value: Any, low: float, high: float) -> float:
    """A finite number in [low, high] from a JSON/CSV/table field."""
    if isinstance(value, bool):
        raise _bad(where, N_("{name} is not a number"), name=name)
    try:
        x = float(value)
    except (TypeError, ValueError, OverflowError):
        raise _bad(where, N_("{name} {value} is not a number"), name=name, value=echo(repr(value))) from None
    if not math.isfinite(x) or not low <= x <= high:
        raise _bad(
            where,
            N_("{name} {value} is outside {low:g}..{high:g}"),
            name=name,
            value=echo(repr(value)),
            low=low,
            high=high,
        )
    return x


def _count(where: str, name: str, value: Any, high: int = MAX_TOKENS) -> int:
    x = _number(where, name, value, -1, high)
    if x != int(x):
        raise _bad(where, N_("{name} {value} is not a whole number"), name=name, value=echo(repr(value)))
    return int(x)


def _text(where: str, name: str, value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise _bad(where, N_("{name} is not text"), name=name)
    text = str(value)
    if len(text) > _MAX_FIELD or any(ord(c) < 32 for c in text):
        raise _bad(where, N_("{name} is not a plain name"), name=name)
    return text


def _rate(where: str, value: Any) -> float:
    x = _number(where, "tokens/s", value, 0, MAX_RATE)
    if x <= 0:
        raise _bad(where, N_("tokens/s must be more than 0"))
    return x


# --- llama-bench objects (json, jsonl, csv) -------------------------------------------------------


def _bench_record(where: str, r: dict[str, Any]) -> Measured | None:
    """One llama-bench result object (json/jsonl/csv share the field names); None for pg tests."""
    for key in ("avg_ts", "n_prompt", "n_gen"):
        if key not in r:
            raise _bad(where, N_("llama-bench result without {key!r}"), key=key)
    n_prompt = _count(where, "n_prompt", r["n_prompt"])
    n_gen = _count(where, "n_gen", r["n_gen"])
    if (n_prompt > 0) == (n_gen > 0):
        return None  # a pp+tg ("pg") test: one rate over both phases, nothing a single constant fits
    params = r.get("model_n_params")
    ngl = r.get("n_gpu_layers")
    return Measured(
        source=where,
        tool=LLAMA_BENCH,
        kind="prefill" if n_prompt else "decode",
        value=_rate(where, r["avg_ts"]),
        model=_text(where, "model_filename", r.get("model_filename")),
        model_type=_text(where, "model_type", r.get("model_type")),
        params=_number(where, "model_n_params", params, 1, 1e14) if params not in (None, "") else None,
        gpu=_text(where, "gpu_info", r.get("gpu_info")),
        backend=_text(where, "backends", r.get("backends")),
        prompt_tokens=n_prompt,
        output_tokens=n_gen,
        depth=_count(where, "n_depth", r.get("n_depth") or 0),
        gpu_layers=_count(where, "n_gpu_layers", ngl, 10_000) if ngl not in (None, "") else None,
        kv_cache=_text(where, "type_k", r.get("type_k")) or "f16",
    )


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _json(text: str, name: str) -> Any:
    def refuse(constant: str) -> None:
        raise ValueError(f"{constant} is not a number")

    try:
        return json.loads(text, parse_constant=refuse)
    except json.JSONDecodeError as exc:
        raise _bad(f"{name}:{exc.lineno}", N_("not valid JSON: {detail}"), detail=exc.msg) from None
    except ValueError as exc:
        raise _bad(name, N_("not valid JSON: {detail}"), detail=str(exc)) from None
    except RecursionError:
        raise _bad(name, N_("JSON nested too deeply")) from None


def _array_lines(text: str) -> list[int]:
    """The line each top-level element of a JSON array starts on (the array already parsed)."""
    lines, depth, in_string, escaped = [], 0, False, False
    for i, c in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif c == "\\":
                escaped = True
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
        elif c in "[{":
            if depth == 1:
                lines.append(_line_of(text, i))
            depth += 1
        elif c in "]}":
            depth -= 1
    return lines


def _objects(name: str, items: list[Any], lines: list[int]) -> list[tuple[str, dict[str, Any]]]:
    if len(items) > MAX_RUNS_PER_FILE:
        raise _bad(
            name,
            N_("{count:,} results, more than the {most:,} a file may hold"),
            count=len(items),
            most=MAX_RUNS_PER_FILE,
        )
    out = []
    for i, item in enumerate(items):
        where = f"{name}:{lines[i] if i < len(lines) else 1}"
        if not isinstance(item, dict):
            raise _bad(where, N_("a result is not a JSON object"))
        out.append((where, item))
    return out


def _llama_bench_json(text: str, name: str) -> list[Measured]:
    data = _json(text, name)
    if not isinstance(data, list):
        raise _bad(name, N_("llama-bench JSON must be an array of results"))
    runs = (_bench_record(where, r) for where, r in _objects(name, data, _array_lines(text)))
    return [r for r in runs if r is not None]


def _llama_bench_jsonl(text: str, name: str) -> list[Measured]:
    out: list[Measured] = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{name}:{n}"
        item = _json(line, where)
        if not isinstance(item, dict):
            raise _bad(where, N_("a JSONL line is not a JSON object"))
        run = _bench_record(where, item)
        if run is not None:
            out.append(run)
        if len(out) > MAX_RUNS_PER_FILE:
            raise _bad(name, N_("more than the {most:,} results a file may hold"), most=MAX_RUNS_PER_FILE)
    return out


def _llama_bench_csv(text: str, name: str) -> list[Measured]:
    reader = csv.DictReader(io.StringIO(text))
    out: list[Measured] = []
    try:
        for row in reader:
            where = f"{name}:{reader.line_num}"
            if None in row or any(v is None for v in row.values()):
                raise _bad(where, N_("a CSV row with a different number of fields than the header"))
            run = _bench_record(where, dict(row))
            if run is not None:
                out.append(run)
            if len(out) > MAX_RUNS_PER_FILE:
                raise _bad(name, N_("more than the {most:,} results a file may hold"), most=MAX_RUNS_PER_FILE)
    except csv.Error as exc:
        raise _bad(f"{name}:{reader.line_num}", N_("not valid CSV: {detail}"), detail=str(exc)) from None
    return out


# --- Markdown tables (llama-bench, llama-batched-bench) ------------------------------------------


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _is_rule(cells: list[str]) -> bool:
    return all(re.fullmatch(r":?-+:?", c) for c in cells if c) and any(cells)


def _tables(text: str, name: str, is_header: Callable[[list[str]], bool]) -> Iterable[tuple[list[str], str, list[str]]]:
    """(header, FILE:LINE, cells) for each data row of each table whose header passes `is_header`."""
    header: list[str] | None = None
    for n, line in enumerate(text.splitlines(), 1):
        if not line.lstrip().startswith("|"):
            header = None
            continue
        cells = _cells(line)
        if header is None:
            header = [c.lower() for c in cells] if is_header([c.lower() for c in cells]) else None
            continue
        if _is_rule(cells):
            continue
        where = f"{name}:{n}"
        if len(cells) != len(header):
            raise _bad(
                where,
                N_("a table row of {cells} cells under a header of {columns}"),
                cells=len(cells),
                columns=len(header),
            )
        yield header, where, cells


_TEST = re.compile(r"^(pp|tg)\s*(\d+)(?:\s*@\s*d(\d+))?$")
_PARAMS = re.compile(r"^([\d.]+)\s*([KMBT])$", re.IGNORECASE)
_SCALE = {"k": 1e3, "m": 1e6, "b": 1e9, "t": 1e12}
# "ggml_cuda_init: found 1 CUDA devices:\n  Device 0: NVIDIA GeForce RTX 4090, compute capability 8.9"
_DEVICE_LINE = re.compile(r"^\s*Device 0: ([^,\n]{1,200})", re.MULTILINE)


def _is_bench_header(cells: list[str]) -> bool:
    return "model" in cells and "test" in cells and "t/s" in cells


def _printed_gpu(text: str) -> str:
    m = _DEVICE_LINE.search(text)
    return m.group(1).strip() if m else ""


def _llama_bench_md(text: str, name: str) -> list[Measured]:
    gpu = _printed_gpu(text)
    out: list[Measured] = []
    for header, where, cells in _tables(text, name, _is_bench_header):
        row = dict(zip(header, cells, strict=True))
        test = _TEST.match(row["test"])
        if test is None:
            if "+" in row["test"] or row["test"].startswith("pg"):
                continue  # pp+tg together: one rate over both phases
            raise _bad(where, N_("llama-bench test {test} is not ppN or tgN"), test=echo(repr(row["test"])))
        rate = row["t/s"].split("±")[0].strip()
        params = None
        if row.get("params"):
            p = _PARAMS.match(row["params"])
            if p is None:
                raise _bad(where, N_("params {params} is not like '6.74 B'"), params=echo(repr(row["params"])))
            params = _number(where, "params", p.group(1), 0, 1e6) * _SCALE[p.group(2).lower()]
        n = _count(where, "test length", test.group(2))
        ngl = row.get("ngl")
        out.append(
            Measured(
                source=where,
                tool=LLAMA_BENCH,
                kind="prefill" if test.group(1) == "pp" else "decode",
                value=_rate(where, rate),
                model_type=_text(where, "model", row["model"]),
                params=params,
                gpu=gpu,
                backend=_text(where, "backend", row.get("backend")),
                prompt_tokens=n if test.group(1) == "pp" else 0,
                output_tokens=n if test.group(1) == "tg" else 0,
                depth=_count(where, "depth", test.group(3) or 0),
                gpu_layers=_count(where, "ngl", ngl, 10_000) if ngl else None,
                kv_cache=row.get("type_k") or "f16",
            )
        )
    return out


_BATCHED_COLUMNS = ("pp", "tg", "b", "n_kv", "s_pp t/s", "s_tg t/s")


def _is_batched_header(cells: list[str]) -> bool:
    return all(c in cells for c in _BATCHED_COLUMNS)


def _batched_bench(text: str, name: str, model: str) -> list[Measured]:
    """Each row: S_TG (B sequences generating together, all their tokens) and, for B=1, S_PP."""
    gpu = _printed_gpu(text)
    out: list[Measured] = []
    for header, where, cells in _tables(text, name, _is_batched_header):
        row = dict(zip(header, cells, strict=True))
        pp, tg = _count(where, "PP", row["pp"]), _count(where, "TG", row["tg"])
        b = _count(where, "B", row["b"], 100_000)
        if b < 1 or pp < 0 or tg < 1:
            raise _bad(where, N_("PP, TG and B must be positive"))
        base = Measured(
            source=where,
            tool=BATCHED_BENCH,
            kind="batched_decode",
            value=_rate(where, row["s_tg t/s"]),
            model=model,
            gpu=gpu,
            prompt_tokens=pp,
            output_tokens=tg,
            batch=b,
        )
        out.append(base)
        if b == 1 and pp > 0:
            out.append(replace(base, kind="prefill", value=_rate(where, row["s_pp t/s"]), output_tokens=0))
    return out


# --- vllm bench serve, ollama --------------------------------------------------------------------


def _vllm_serve(data: dict[str, Any], name: str) -> list[Measured]:
    """One `vllm bench serve --save-result` file: its output throughput at its load."""
    for key in ("output_throughput", "completed", "total_input_tokens", "total_output_tokens"):
        if key not in data:
            raise _bad(name, N_("vllm bench serve result without {key!r}"), key=key)
    done = _count(name, "completed", data["completed"], 100_000_000)
    if done < 1:
        raise _bad(name, N_("no request completed"))
    inputs = _number(name, "total_input_tokens", data["total_input_tokens"], 0, 1e13)
    outputs = _number(name, "total_output_tokens", data["total_output_tokens"], 1, 1e13)
    concurrency = data.get("max_concurrency")
    rate = data.get("request_rate")
    rate_value = None
    if rate not in (None, "inf", "Infinity") and not (isinstance(rate, float) and math.isinf(rate)):
        rate_value = _number(name, "request_rate", rate, 0, 1e9) or None
    model = _text(name, "model_id", data.get("model_id") or data.get("model"))
    return [
        Measured(
            source=f"{name}:1",
            tool=VLLM_SERVE,
            kind="serve_output",
            value=_rate(name, data["output_throughput"]),
            model=model,
            prompt_tokens=max(1, round(inputs / done)),
            output_tokens=max(1, round(outputs / done)),
            batch=_count(name, "max_concurrency", concurrency, 100_000) if concurrency not in (None, "") else 0,
            rate=rate_value,
        )
    ]


@dataclass(frozen=True)
class RunShape:
    """What `vllm bench latency` was run with (its --input-len, --output-len, --batch-size), for
    files that do not say; None: not given."""

    input_len: int | None = None
    output_len: int | None = None
    batch_size: int | None = None


def _key_line(text: str, key: str) -> int:
    """The line a JSON key first appears on (1 when it does not)."""
    at = text.find(f'"{key}"')
    return _line_of(text, at) if at >= 0 else 1


def _vllm_latency(text: str, data: dict[str, Any], name: str, model: str, shape: RunShape) -> list[Measured]:
    """One `vllm bench latency --output-json` file: the mean seconds of one static batch (B prompts
    of the input length submitted together, each generating the output length), as the batch's
    output tokens per second. The file holds no lengths (vLLM writes avg_latency, std_latency,
    latencies and percentiles only); keys of those names are read where a wrapper adds them."""

    def at(key: str) -> str:
        return f"{name}:{_key_line(text, key)}"

    avg = _number(at("avg_latency"), "avg_latency", data["avg_latency"], 0, MAX_LATENCY_S)
    if avg <= 0:
        raise _bad(at("avg_latency"), N_("avg_latency must be more than 0 seconds"))
    latencies = data.get("latencies", [])
    if not isinstance(latencies, list):
        raise _bad(at("latencies"), N_("latencies is not a list"))
    if len(latencies) > MAX_RUNS_PER_FILE:
        raise _bad(at("latencies"), N_("more than the {most:,} latencies a file may hold"), most=MAX_RUNS_PER_FILE)
    for x in latencies:
        _number(at("latencies"), "a latency", x, 0, MAX_LATENCY_S)
    percentiles = data.get("percentiles", {})
    if not isinstance(percentiles, dict) or len(percentiles) > 100:
        raise _bad(at("percentiles"), N_("percentiles is not an object of at most 100 entries"))
    for x in percentiles.values():
        _number(at("percentiles"), "a percentile", x, 0, MAX_LATENCY_S)
    sizes = []
    for key, given in (
        ("input_len", shape.input_len),
        ("output_len", shape.output_len),
        ("batch_size", shape.batch_size),
    ):
        n = _count(at(key), key, data[key], 100_000 if key == "batch_size" else MAX_TOKENS) if key in data else given
        if n is not None and n < 1:
            raise _bad(at(key), N_("{key} must be at least 1"), key=key)
        sizes.append(n)
    prompt, output, batch = sizes
    known = prompt is not None and output is not None and batch is not None
    return [
        Measured(
            source=f"{name}:1",
            tool=VLLM_LATENCY,
            kind="batch_latency",
            value=(batch or 0) * (output or 0) / avg if known else 0.0,  # unknown: listed as unmatched
            model=_text(at("model"), "model", data.get("model")) or model,
            prompt_tokens=prompt or 0,
            output_tokens=output or 0,
            batch=batch or 0,
            latency_s=avg,
            shape_known=known,
        )
    ]


_OLLAMA_RATE = re.compile(r"^\s*(prompt eval rate|eval rate):\s*([^\s]+)\s*tokens/s\s*$")
_OLLAMA_COUNT = re.compile(r"^\s*(prompt eval count|eval count):\s*(\d+)\s*token")


def _ollama(text: str, name: str, model: str) -> list[Measured]:
    out: list[Measured] = []
    counts: dict[str, int] = {}
    for n, line in enumerate(text.splitlines(), 1):
        where = f"{name}:{n}"
        c = _OLLAMA_COUNT.match(line)
        if c:
            counts[c.group(1)] = _count(where, c.group(1), c.group(2))
            continue
        m = _OLLAMA_RATE.match(line)
        if not m:
            continue
        prompt = m.group(1) == "prompt eval rate"
        tokens = counts.pop("prompt eval count" if prompt else "eval count", 0)
        out.append(
            Measured(
                source=where,
                tool=OLLAMA,
                kind="prefill" if prompt else "decode",
                value=_rate(where, m.group(2)),
                model=model,
                prompt_tokens=tokens if prompt else 0,
                output_tokens=0 if prompt else tokens,
            )
        )
        if len(out) > MAX_RUNS_PER_FILE:
            raise _bad(name, N_("more than the {most:,} results a file may hold"), most=MAX_RUNS_PER_FILE)
    return out


# --- detection -----------------------------------------------------------------------------------


def detect(text: str) -> str:
    """The format of a file's text: 'json', 'jsonl', 'csv', 'md', 'batched', 'vllm', 'vllm-latency',
    'ollama' or ''."""
    head = text.lstrip()[:1]
    first = next((line for line in text.splitlines() if line.strip()), "")
    if head == "[":
        return "json"
    if head == "{":
        if first.strip().startswith("{") and first.strip().endswith("}") and '"avg_ts"' in first:
            return "jsonl"
        if '"avg_latency"' in text and '"output_throughput"' not in text:
            return "vllm-latency"
        return "vllm"
    if "avg_ts" in first and "n_prompt" in first and "," in first:
        return "csv"
    if re.search(r"^\s*\|\s*PP\s*\|\s*TG\s*\|\s*B\s*\|", text, re.MULTILINE):
        return "batched"
    if re.search(r"^\s*\|\s*model\s*\|.*\|\s*t/s\s*\|", text, re.MULTILINE):
        return "md"
    if re.search(r"^\s*eval rate:", text, re.MULTILINE):
        return "ollama"
    return ""


def parse_text(text: str, name: str, model: str | None = None, shape: RunShape | None = None) -> list[Measured]:
    """The runs in one file's text; `model` names the model where the file does not (ollama, tables,
    vllm bench latency), `shape` the lengths and batch of a vllm bench latency run."""
    kind = detect(text)
    if kind == "json":
        return _llama_bench_json(text, name)
    if kind == "jsonl":
        return _llama_bench_jsonl(text, name)
    if kind == "csv":
        return _llama_bench_csv(text, name)
    if kind == "vllm":
        data = _json(text, name)
        if not isinstance(data, dict):
            raise _bad(name, N_("a vllm bench serve result must be a JSON object"))
        return _vllm_serve(data, name)
    if kind == "vllm-latency":
        data = _json(text, name)
        if not isinstance(data, dict) or "avg_latency" not in data:
            raise _bad(f"{name}:1", N_("a vllm bench latency result must be a JSON object with avg_latency"))
        return _vllm_latency(text, data, name, model or "", shape or RunShape())
    if kind == "batched":
        return _batched_bench(text, name, model or "")
    if kind == "md":
        return _llama_bench_md(text, name)
    if kind == "ollama":
        return _ollama(text, name, model or "")
    raise _bad(
        f"{name}:1",
        N_(
            "not a run sizer reads (llama-bench -o json/jsonl/csv/md, llama-batched-bench, vllm bench serve "
            "--save-result, vllm bench latency --output-json, ollama run --verbose)"
        ),
    )


def read_runs(path: Path, model: str | None = None, shape: RunShape | None = None) -> list[Measured]:
    """The runs in the file at `path` (a regular file of at most MAX_RUN_FILE_BYTES)."""
    data = read_bytes(path, MAX_RUN_FILE_BYTES, N_("benchmark file"))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise _bad(f"{path}:{line}", N_("not UTF-8 text")) from None
    if "\x00" in text:
        raise _bad(f"{path}:{_line_of(text, text.index(chr(0)))}", N_("a NUL byte: not a text file"))
    return parse_text(text, str(path), model, shape)


# --- matching to the catalog ---------------------------------------------------------------------

# llama.cpp's type strings -> quant names ("Q4_K - Medium" -> Q4_K_M; "mostly Q4_0" in old builds).
_TYPE_QUANT = re.compile(r"\b((?:I?Q\d_[A-Z0-9_]+?|Q\d_[01K])(?:\s*-\s*(Small|Medium|Large))?|F16|BF16|F32|MXFP4)\b")
_SIZE_SUFFIX = {"small": "_S", "medium": "_M", "large": "_L"}
_FILE_QUANT = re.compile(r"[-_.](I?Q\d_[A-Z0-9_]+|F16|BF16|F32|MXFP4)$", re.IGNORECASE)
_PARAM_TOLERANCE = 0.03  # a printed parameter count matches a catalog model within 3 %


@dataclass(frozen=True)
class Unmatched:
    """A run left out: why, as a template (its English is `reason`) and its values."""

    run: Measured
    template: str
    values: tuple[tuple[str, str], ...] = ()

    @property
    def reason(self) -> str:
        return self.template.format(**dict(self.values))


def quant_of(run: Measured) -> str | None:
    """The weight format a run names: from the file name, else from llama.cpp's type string."""
    stem = Path(run.model.replace("\\", "/")).name
    stem = re.sub(r"\.gguf$", "", stem, flags=re.IGNORECASE)
    stem = re.sub(r"-\d{5}-of-\d{5}$", "", stem)
    m = _FILE_QUANT.search(stem)
    if m:
        return m.group(1).upper()
    t = _TYPE_QUANT.search(run.model_type.upper().replace("MOSTLY ", ""))
    if t:
        base = re.sub(r"\s*-\s*(SMALL|MEDIUM|LARGE)$", "", t.group(1))
        size = t.group(2)
        return base + (_SIZE_SUFFIX[size.lower()] if size else "")
    if ":" in run.model:  # an ollama tag: 'llama3.1:8b-instruct-q4_K_M'
        tag = run.model.rsplit(":", 1)[1]
        q = re.search(r"(q\d_[a-z0-9_]+|fp16|f16|bf16)$", tag, re.IGNORECASE)
        if q:
            return q.group(1).upper().replace("FP16", "F16")
        return "Q4_K_M"  # ollama's default tags are Q4_K_M
    return None


def _model_names(run: Measured) -> list[str]:
    names = []
    if run.model:
        raw = run.model.replace("\\", "/")
        names.append(raw)
        stem = re.sub(r"\.gguf$", "", Path(raw).name, flags=re.IGNORECASE)
        stem = re.sub(r"-\d{5}-of-\d{5}$", "", stem)
        names += [stem, _FILE_QUANT.sub("", stem)]
        plain = re.sub(r"[-_.](instruct|chat|it|base|hf)$", "", _FILE_QUANT.sub("", stem), flags=re.IGNORECASE)
        names.append(plain)
        if raw.endswith("-GGUF") or raw.endswith("-gguf"):
            names.append(raw[:-5])
        if ":" in raw:
            names.append(raw.split(":", 1)[0])
    return [n for n in dict.fromkeys(names) if n]


def match_model(run: Measured, catalog: Any) -> Any:
    """The catalog model a run ran: by file name or repository, else by llama.cpp type and size."""
    for name in _model_names(run):
        try:
            return catalog.model(name)
        except SizerError:
            continue
    if run.params and run.model_type:
        family = re.sub(r"[^a-z0-9]", "", run.model_type.split()[0].lower())
        near = [
            m
            for m in catalog.models
            if abs(m.params_total - run.params) <= _PARAM_TOLERANCE * run.params
            and family[:4] in re.sub(r"[^a-z0-9]", "", f"{m.arch}{m.id}".lower())
        ]
        if near:
            return min(near, key=lambda m: abs(m.params_total - run.params))
    return None


def _label(run: Measured) -> str:
    what = run.model or run.model_type or "?"
    size = {
        "decode": f"tg{run.output_tokens}",
        "prefill": f"pp{run.prompt_tokens}",
        "batched_decode": f"B={run.batch} TG",
        "serve_output": f"serve {run.prompt_tokens}/{run.output_tokens}",
        "batch_latency": f"latency B={run.batch} {run.prompt_tokens}/{run.output_tokens}",
    }[run.kind]
    return f"{what} {size}" + (f" @ d{run.depth}" if run.depth else "")


def match(
    runs: Iterable[Measured], catalog: Any, gpu: Any | None = None, gpu_count: int = 1
) -> tuple[list[Row], list[Unmatched]]:
    """Calibration rows for the runs that resolve (model, format, GPU); the others with the reason.

    `gpu` (a catalog GPU: --gpu or the probed one) is used where the file names none, and wins
    where it names one.
    """
    from sizer.core.quant import resolve_quant

    rows: list[Row] = []
    left: list[Unmatched] = []
    for run in runs:
        if run.tool == VLLM_LATENCY and not run.shape_known:
            left.append(
                Unmatched(run, N_("the file does not say its lengths; pass --input-len, --output-len and --batch-size"))
            )
            continue
        if run.gpu_layers is not None and 0 <= run.gpu_layers < 99:
            left.append(
                Unmatched(
                    run,
                    N_("only {layers} layers on the GPU (-ngl); calibrate on full offload"),
                    (("layers", str(run.gpu_layers)),),
                )
            )
            continue
        if run.backend and run.backend.upper().startswith(("CPU", "BLAS", "RPC")):
            left.append(Unmatched(run, N_("backend {backend}: not a GPU run"), (("backend", run.backend),)))
            continue
        model = match_model(run, catalog)
        if model is None and not run.model and not run.model_type:
            left.append(Unmatched(run, N_("the file does not name the model; pass --model")))
            continue
        if model is None:
            left.append(Unmatched(run, N_("no catalog model by that name, type or size (add it: sizer catalog add)")))
            continue
        quant = quant_of(run) or ("F16" if run.tool in (VLLM_SERVE, VLLM_LATENCY) else None)
        if quant is None:
            left.append(Unmatched(run, N_("the file does not say the weight format")))
            continue
        try:
            resolve_quant(quant)
        except SizerError:
            left.append(Unmatched(run, N_("weight format {quant} is not one sizer models"), (("quant", quant),)))
            continue
        target, count, memory = gpu, gpu_count, None
        if target is None:
            if not run.gpu:
                left.append(Unmatched(run, N_("the file does not name the GPU; pass --gpu")))
                continue
            try:
                found = catalog.match_gpu(run.gpu.split(",")[0].strip())
            except SizerError:
                left.append(Unmatched(run, N_("GPU '{gpu}' is not in the catalog; pass --gpu"), (("gpu", run.gpu),)))
                continue
            target, count, memory = found.gpu, found.count or 1, found.memory_gib
        rows.append(
            Row(
                kind=run.kind,
                model=model,
                gpu=target,
                gpu_count=count,
                memory_gib=memory,
                quant=quant,
                context=max(1, run.prompt_tokens + run.output_tokens + run.depth),
                measured=run.value,
                label=f"{run.source} {_label(run)}",
                llama3_score_set=False,
                depth=run.depth,
                engine="vllm" if run.tool in (VLLM_SERVE, VLLM_LATENCY) else "llama.cpp",
                batch=max(1, run.batch),
                prompt_tokens=run.prompt_tokens,
                output_tokens=run.output_tokens,
                rate=run.rate,
                kv_cache=run.kv_cache if run.kv_cache in ("f16", "q8_0", "q4_0", "fp8") else "f16",
            )
        )
    return rows, left
