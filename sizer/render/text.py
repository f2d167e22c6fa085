"""Text: rich tables and lines for the terminal. Builds renderables, never prints.

Capacities show in GiB (labelled GiB), bandwidth in GB/s, compute in TFLOPS.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console, Group, RenderableType
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from sizer.core.recommend import Ranking, Recommendation
from sizer.core.rigs import Rig, Runnable
from sizer.core.spec import CheckReport
from sizer.models import Assumptions, Estimate, GpuDevice, GpuSpec, Host, ModelSpec, Workload
from sizer.models.reasons import Reason
from sizer.models.results import Capacity, Serving
from sizer.render.formatting import (
    PRICE_KINDS,
    busy_hour_line,
    command_line,
    cost_line,
    gb_per_s,
    gib,
    money,
    rig_label,
    tokens,
)
from sizer.render.i18n import _, currency_symbol, fill, ngettext, number, sentence
from sizer.render.messages import N_, message, messages
from sizer.units import bytes_to_gib


def estimate_table(est: Estimate, model: ModelSpec, gpu: GpuSpec, with_command: bool = True) -> Table:
    """One estimate, fully broken down."""
    mem = est.memory_bytes
    hardware = f"{est.gpu_count} x {gpu.name}" if est.gpu_count > 1 else gpu.name
    table = Table(
        title=fill(_("{model} on {hardware}"), model=model.name, hardware=hardware),
        show_header=False,
        title_justify="left",
    )
    table.add_column("what", style="bold")
    table.add_column("value")
    table.add_row(
        _("Model"),
        fill(
            _("{name} ({id}), {params:.1f} B parameters"), name=model.name, id=model.id, params=model.params_total / 1e9
        ),
    )
    table.add_row(
        _("Hardware"),
        fill(
            _("{hardware}, {vram:g} GiB, {bandwidth:g} GB/s each"),
            hardware=hardware,
            vram=gpu.vram_gib,
            bandwidth=gpu.mem_bandwidth_gb_per_s,
        ),
    )
    table.add_row(
        _("Workload"),
        fill(
            _("{quant}, {context:,} tokens x {batch} sequence(s), {engine}"),
            quant=est.quant,
            context=est.context,
            batch=est.batch,
            engine=est.engine.value,
        ),
    )
    table.add_row(_("Weights"), gib(mem.weights))
    table.add_row(_("KV cache"), f"{gib(mem.kv_cache)} ({est.kv_cache_type})")
    table.add_row(_("Overhead"), gib(mem.overhead))
    table.add_row(_("Total"), gib(mem.total))
    table.add_row(_("Available"), gib(est.available_bytes))
    if est.gpu_count > 1:
        table.add_row(_("Per GPU"), ", ".join(gib(b) for b in est.per_gpu_bytes))
    table.add_row(_("Fits"), _fit_text(est))
    if est.offload is not None:
        o = est.offload
        table.add_row(
            _("Offload"),
            fill(
                _("{gpu_layers} of {total_layers} layers on GPU, {cpu} in system RAM"),
                gpu_layers=o.gpu_layers,
                total_layers=o.total_layers,
                cpu=gib(o.cpu_bytes),
            ),
        )
    table.add_row(_("Decode"), fill(_("{rate} per sequence"), rate=tokens(est.decode_tokens_per_s)))
    if est.batch > 1:
        table.add_row(_("Aggregate"), tokens(est.aggregate_tokens_per_s))
    table.add_row(_("Prompt"), tokens(est.prefill_tokens_per_s))
    table.add_row(_("Limited by"), message(est.limited_by_code))
    if est.serving is not None:
        _serving_rows(table, est.serving)
    if est.capacity is not None:
        _capacity_rows(table, est.capacity)
    if est.launch is not None and with_command:
        table.add_row(_("Command"), command_line(est.launch, est.command))
    return table


def estimate_command(est: Estimate) -> RenderableType | None:
    """The estimate's command on a line of its own, never wrapped (None: no launch spec); in a
    group, where rich keeps an unwrapped line whole rather than folding it at the width."""
    if est.launch is None:
        return None
    return Group(Text(command_line(est.launch, est.command), no_wrap=True, overflow="ignore"))


def _serving_rows(table: Table, s: Serving) -> None:
    """The serving model's figures, as a section of the estimate table."""
    table.add_row(
        _("Serving"),
        fill(
            _("{n} request(s) of {prompt:,} tokens in, {output:,} out"),
            n=s.concurrency,
            prompt=s.prompt_tokens,
            output=s.output_tokens,
        ),
    )
    table.add_row(
        "  " + _("all at once"),
        fill(
            _("first tokens after {ttft:.2f} s, all done after {latency:.1f} s"),
            ttft=s.batch_ttft_s,
            latency=s.batch_latency_s,
        ),
    )
    table.add_row(
        "  " + _("kept in flight"),
        fill(
            _("first token {ttft:.2f} s, then {rate:.1f} tok/s each; {total:,.0f} tok/s in all"),
            ttft=s.ttft_s,
            rate=1 / s.itl_s,
            total=s.output_tokens_per_s,
        ),
    )
    table.add_row("  " + _("KV cache holds"), fill(_("{n:.2f} such requests at once"), n=s.max_concurrency))
    table.add_row(
        "  " + _("peak"),
        fill(_("{rate:,.0f} tok/s at {n} in flight"), rate=s.peak.output_tokens_per_s, n=s.peak.concurrency),
    )
    table.add_row("  " + _("limited by"), message(Reason(code=s.limited_by)))


def _capacity_rows(table: Table, c: Capacity) -> None:
    """The simulated busy hour, as a section of the estimate table."""
    table.add_row(
        _("Busy hour"),
        fill(_("{headcount:,} people x {rate:g} requests/h"), headcount=c.headcount, rate=c.requests_per_hour),
    )
    if c.ttft_p95_s is None or c.ttft_p50_s is None:
        table.add_row("  " + _("first token"), Text(_("the queue grows without bound"), style="red"))
    else:
        table.add_row(
            "  " + _("first token"), fill("p50 {p50:.2f} s, p95 {p95:.2f} s", p50=c.ttft_p50_s, p95=c.ttft_p95_s)
        )
    if c.tpot_p95_s > 0:
        table.add_row(
            "  " + _("speed"),
            fill(
                _("p95: {rate:.1f} tok/s each, {gap:,.0f} ms between tokens"),
                rate=1 / c.tpot_p95_s,
                gap=1000 * c.itl_p95_s,
            ),
        )
    table.add_row("  " + _("peak in flight"), fill(_("{n:,} requests"), n=c.peak_concurrency))
    slo = fill(_("p95 first token <= {ttft:g} s, "), ttft=c.max_ttft_s) if c.max_ttft_s is not None else ""
    verdict = Text(_("met"), style="green") if c.meets_slo else Text(_("missed"), style="red")
    slo += fill(">= {rate:g} tok/s: ", rate=c.min_tokens_per_s)
    table.add_row("  SLO", Text(slo).append(verdict))
    table.add_row("  " + _("most people"), fill(_("{n:,} within the SLO"), n=c.max_headcount_at_slo))


def model_added(model: ModelSpec, path: object) -> str:
    """One line saying what `catalog add` stored and where."""
    weights = ""
    if model.file_weights is not None:
        weights = f", file weights {model.file_weights.quant} {gib(model.file_weights.total_bytes)}"
    return (
        f"added {model.id!r} ({model.name}, {model.arch}, {model.params_total / 1e9:.2f} B parameters{weights}) "
        f"to {path}; use: sizer estimate {model.id} --gpu NAME"
    )


def _fit_text(est: Estimate) -> Text:
    headroom = 1 - max(est.per_gpu_bytes) / (est.available_bytes / est.gpu_count)
    if est.fits:
        return Text(fill(_("yes, {headroom} headroom"), headroom=number(100 * headroom, ".0f") + " %"), style="green")
    short = gib(max(est.per_gpu_bytes) - est.available_bytes / est.gpu_count)
    return Text(fill(_("no, short by {short} per GPU"), short=short), "red")


def _column(table: Table, header: str, kind: str, width: int = 0, justify: str = "left") -> None:
    """A column whose header is never split mid-word: an "id" stays whole on one line (at least
    `width`, its longest cell), a "number" too (right-aligned), "text" wraps at its spaces."""
    longest = max((len(word) for word in header.split()), default=1)
    if kind == "id":
        table.add_column(header, no_wrap=True, min_width=max(width, longest))
    elif kind == "number":
        table.add_column(header, justify="right", no_wrap=True, min_width=len(header))
    else:
        table.add_column(header, justify=justify, min_width=max(width, longest))  # type: ignore[arg-type]


def _params(count: float) -> str:
    return fill(_("{params:.1f} B"), params=count / 1e9)


def models_table(rows: Sequence[tuple[ModelSpec, int, str]], quant: str, context: int, width: int = 1000) -> Table:
    """The model catalog: parameters, memory needed at `quant`/`context`, smallest VRAM class;
    under NARROW columns the name, active parameters and use cases are left out (ids stay whole)."""
    title = fill(_("Models (memory at {quant}, {context:,} tokens, llama.cpp)"), quant=quant, context=context)
    table = Table(title=title, title_justify="left")
    narrow = width < NARROW
    nc = " (NC)" if narrow else ""  # narrow: the licence column gives way to a mark beside the id
    ids = max((len(m.id) + (len(nc) if m.commercial_use is False else 0) for m, _need, _cls in rows), default=2)
    columns = [
        ("id", _("id"), "id", ids),
        ("model", _("model"), "text", 0),
        ("params", _("params"), "number", 0),
        ("active", _("active"), "number", 0),
        ("need", _("VRAM needed"), "number", 0),
        ("class", _("smallest GPU class"), "text", 0),
        ("license", _("license"), "text", 0),
        ("uses", _("use cases"), "text", 0),
    ]
    if narrow:
        columns = [c for c in columns if c[0] not in {"model", "active", "license", "uses"}]
    for _key, header, kind, least in columns:
        _column(table, header, kind, least)
    for m, need, vram_class in rows:
        cells = {
            "id": m.id + (nc if m.commercial_use is False else ""),
            "model": m.name,
            "params": _params(m.params_total),
            "active": _params(m.params_active) if m.params_active else "",
            "need": gib(need),
            "class": vram_class,
            "license": m.license if m.commercial_use is not False else _("non-commercial: ") + m.license,
            "uses": ", ".join(m.use_cases),
        }
        table.add_row(*(cells[c[0]] for c in columns))
    return table


def gpus_table(rows: Sequence[tuple[GpuSpec, str]], width: int = 1000) -> Table:
    """The GPU catalog: VRAM, bandwidth, compute, what it suits, price; under NARROW columns the
    compute, power and what it suits are left out, so that ids stay whole and headers unsplit."""
    table = Table(title="GPUs", title_justify="left")
    ids = max((len(g.id) for g, _suited in rows), default=2)
    columns = [
        ("id", _("id"), "id", ids),
        ("name", "GPU", "text", 0),
        ("vram", "VRAM", "number", 0),
        ("bandwidth", _("bandwidth"), "number", 0),
        ("fp16", "FP16", "number", 0),
        ("tdp", "TDP", "number", 0),
        ("suited", _("suited for (Q4_K_M, 4K context)"), "text", 0),
        ("price", _("price"), "text", 0),
    ]
    if width < NARROW:
        columns = [c for c in columns if c[0] not in {"fp16", "tdp", "suited"}]
        # the name gives way where long ids leave it no room (the id says which card it is)
        if ids + HARDWARE_MIN + len("32/64 GiB") + len("3,350 GB/s") + len("2026-10-07)") + 16 > width:
            columns = [c for c in columns if c[0] != "name"]
    for _key, header, kind, least in columns:
        _column(table, header, kind, least)
    for g, suited in rows:
        price = ""
        if g.price:
            amount = money(g.price.amount, g.price.currency.value)
            kind = _("used") if g.price.used else _(PRICE_KINDS[g.price.kind])
            price = f"{amount} ({kind}, {g.price.date})"
        vram = "/".join(f"{v:g}" for v in g.memory_options_gib) if g.memory_options_gib else f"{g.vram_gib:g}"
        cells = {
            "id": g.id,
            "name": g.name,
            "vram": f"{vram} GiB",
            "bandwidth": gb_per_s(g.mem_bandwidth_gb_per_s * 1e9),
            "fp16": fill("{rate:,.1f} TFLOPS", rate=g.fp16_tflops),
            "tdp": fill("{watts:,.0f} W", watts=g.tdp_w),
            "suited": suited,
            "price": price,
        }
        table.add_row(*(cells[c[0]] for c in columns))
    return table


def check_text(report: CheckReport, origin: str) -> Table:
    """A check report as a table: one row per offer x workload, pass or fail with the figures."""
    verdict = _("all requirements met") if report.passed else _("requirements not met")
    table = Table(
        title=fill(_("{origin}: {name} — {verdict}"), origin=origin, name=report.name, verdict=verdict),
        title_justify="left",
        show_lines=True,
    )
    for col in (_("offer"), _("workload"), _("result"), _("figures")):
        table.add_column(col)
    for o in report.outcomes:
        lines = [message(o.summary_code)] + [f"{v.code}: {message(v.message_code)}" for v in o.violations]
        if o.would_pass_code:
            lines.append(fill(_("would pass: {ideas}"), ideas="; ".join(messages(o.would_pass_code))))
        result = Text(_("pass"), style="green") if o.passed else Text(_("FAIL"), style="bold red")
        workload = o.workload if o.use_case is None else fill(_("use case {use_case}"), use_case=o.use_case)
        table.add_row(o.offer, workload, result, "\n".join(lines))
    return table


ANSWERS = (("right_sized", N_("Right-sized")), ("best_in_budget", N_("Best within budget")))


def licence_text(r: Recommendation) -> str:
    """The licence, flagged where it does not allow commercial use."""
    return r.license if r.commercial_use else fill(_("{license} (NOT for commercial use)"), license=r.license)


def score_text(r: Recommendation) -> str:
    return "-" if r.quality is None else number(r.quality.score_after_quant, ".0f")


# Below this many columns (or where the widest model id would not fit beside all of them) the
# answer tables leave out memory, users served and the monthly cost (each pick's reason below its
# table gives all three), so that no header or id is split mid-word.
NARROW = 100
HARDWARE_MIN = 12  # a GPU name's longest word ("Workstation", "Generation") fits


def recommend_table(ranking: Ranking, width: int = 120) -> Group:
    """Both answers (right-sized, best within budget), each as tables per kind (runs here, to
    buy) with each pick's reason and command below; fewer columns on a terminal under NARROW."""
    n = ranking.needs
    quant = _("best format") if n.choose_quant else n.quant
    bar = (
        fill(_("model {model}"), model=n.model)
        if n.model is not None
        else fill(_("bar {min_quality:g}"), min_quality=ranking.min_quality)
    )
    people = (
        fill(
            _("{headcount:,} people ({per_hour:g} requests/h each: {users} at once at the p95)"),
            headcount=n.headcount,
            per_hour=n.requests_per_hour,
            users=n.users,
        )
        if n.headcount is not None and n.requests_per_hour is not None
        else fill(_("{users} user(s)"), users=n.users)
    )
    budget = ""
    if n.budget:
        budget = fill(
            _(", budget {amount:,.0f} {currency}"),
            amount=n.budget.amount,
            currency=currency_symbol(n.budget.currency.value),
        )
    header = Text(
        fill(
            _("{use_case}: {people} at {min_tokens_per_s:g} tok/s, {context:,} tokens, {quant}, {engine}, {bar}"),
            use_case=n.use_case,
            people=people,
            min_tokens_per_s=n.min_tokens_per_s,
            context=n.context,
            quant=quant,
            engine=n.engine.value,
            bar=bar,
        )
        + budget,
        style="bold",
    )
    parts: list[RenderableType] = [header]
    if n.model is not None:  # model first: the rigs that serve the named model
        for kind in ("runs here", "to buy"):
            recs = [(i, r) for i, r in enumerate(ranking.recommendations, 1) if r.kind == kind]
            if recs:
                parts += _answer_table(ranking, fill(_("Serves {model}"), model=n.model), kind, recs, width)
    else:
        for answer, label in ANSWERS:
            picks: tuple[Recommendation, ...] = getattr(ranking, answer)
            if not picks:
                why = _("nothing meets the bar") if answer == "right_sized" else _("nothing serves the load")
                line = fill(
                    "{label}: {why} ({use_case} {min_quality:g})",
                    label=_(label),
                    why=why,
                    use_case=n.use_case,
                    min_quality=ranking.min_quality,
                )
                parts.append(Text(line, style="yellow"))
            for kind in ("runs here", "to buy"):
                recs = [(i, r) for i, r in enumerate(picks, 1) if r.kind == kind]
                if recs:
                    parts += _answer_table(ranking, _(label), kind, recs, width)
    if not ranking.recommendations:
        parts.append(Text(_("nothing meets these needs; --explain lists why"), style="yellow"))
    return Group(*parts)


def _answer_table(
    ranking: Ranking, label: str, kind: str, recs: Sequence[tuple[int, Recommendation]], width: int = 120
) -> list[RenderableType]:
    where = (
        fill(_("runs here ({hardware})"), hardware=", ".join(ranking.hardware)) if kind == "runs here" else _("to buy")
    )
    c = currency_symbol(recs[0][1].cost.currency.value)
    table = Table(title=f"{label}: {where}", title_justify="left")
    headers = {
        "#": "#",
        "model": _("model"),
        "hardware": _("hardware"),
        "score": _("score"),
        "memory": _("GiB used/has"),
        "speed": _("tok/s"),
        "users": _("users"),
        "price": fill(_("price {currency}"), currency=c),
        "month": fill(_("{currency}/month"), currency=c),
    }
    # What the number columns and the borders take; the model column keeps its ids whole in what
    # is left beside a hardware column of at least HARDWARE_MIN (its names wrap at their spaces).
    # A number column is as wide as its header or its widest cell ("vorhanden" beside "Preis €").
    owned = len(_("owned")) if any(r.kind == "runs here" for _i, r in recs) else 0

    def room_for(columns: list[str]) -> int:
        numbers = sum(
            max(len(headers[col]), owned if col == "price" else 0)
            for col in columns
            if col not in {"model", "hardware"}
        )
        return width - numbers - 3 * len(columns) - 1 - HARDWARE_MIN

    longest = max(len(r.model) for _, r in recs)
    columns = list(headers)
    if width < NARROW or room_for(columns) < longest:  # the ids stay whole: fewer columns
        columns = [col for col in columns if col not in {"memory", "users", "month"}]
    room = room_for(columns)
    model_width = max(1, min(longest, room))
    for col in columns:
        if col == "model":  # an id the user types stays whole where it fits (its format wraps below it)
            table.add_column(headers[col], justify="left", overflow="fold", min_width=model_width)
        elif col == "hardware":  # names wrap at their spaces, in what the model column leaves
            table.add_column(
                headers[col],
                justify="left",
                overflow="fold",
                max_width=max(HARDWARE_MIN, room + HARDWARE_MIN - model_width),
            )
        else:  # headers and numbers whole
            least = max(len(headers[col]), owned if col == "price" else 0)
            table.add_column(headers[col], justify="right", no_wrap=True, min_width=least)
    for i, r in recs:
        used, has = bytes_to_gib(r.memory_bytes.total), bytes_to_gib(r.available_bytes)
        cells = {
            "#": str(i),
            "model": f"{r.model} {r.quant}" + ("" if r.commercial_use else " (NC)"),
            "hardware": rig_label(r),
            "score": score_text(r),
            "memory": f"{number(used, '.1f')}/{number(has, '.0f')}",
            "speed": number(r.decode_tokens_per_s, ",.0f"),
            "users": str(r.users_served),
            "price": _("owned") if r.kind == "runs here" else number(r.cost.hardware, ",.0f"),
            "month": number(r.cost.per_month, ",.0f"),
        }
        table.add_row(*(cells[col] for col in columns))
    lines: list[RenderableType] = [table]
    for i, r in recs:
        said = command_line(r.launch, r.command)
        head = fill(_("{i}. {reason}; licence: {licence}"), i=i, reason=message(r.reason_code), licence=licence_text(r))
        busy = f"   {busy_hour_line(r.capacity)}\n" if r.capacity else ""
        lines.append(Text(f"{head}\n   {cost_line(r.cost)}\n{busy}".rstrip("\n")))
        # The command on a line of its own, never wrapped: what is copied must run as printed.
        lines.append(Text(f"   {said}", no_wrap=True, overflow="ignore"))
    return lines


def excluded_table(ranking: Ranking) -> Table:
    table = Table(title=_("Excluded"), title_justify="left")
    table.add_column(_("model"))
    table.add_column(_("why"))
    for e in ranking.excluded:
        table.add_row(e.model, message(e.reason_code))
    for model in ranking.unscored:  # never past a bar, never above a scored model
        table.add_row(model, fill(_("unscored: no {use_case} benchmark places it"), use_case=ranking.needs.use_case))
    return table


def bench_progress(console: Console) -> Progress:
    """The progress bar `sizer probe --bench` shows on stderr while it measures."""
    return Progress(
        TextColumn(_("measuring {task.description}")),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


def _machine_table(host: Host) -> Table:
    table = Table(title=_("This machine"), show_header=False, title_justify="left")
    table.add_column("what", style="bold")
    table.add_column("value")
    cpu = host.cpu
    cores = fill(
        _("{physical} physical / {logical} logical cores"),
        physical=cpu.physical_cores or "?",
        logical=cpu.logical_cores or "?",
    )
    table.add_row(_("OS"), host.os)
    table.add_row("CPU", f"{cpu.model}, {cores}, {cpu.arch}")
    if host.memory is not None:
        ram = fill(_("{size} total"), size=gib(host.memory.total_bytes))
        if host.memory.available_bytes is not None:
            ram += ", " + fill(_("{size} available"), size=gib(host.memory.available_bytes))
        if host.measured_ram_bandwidth_bytes_per_s:
            ram += "; " + fill(_("{rate} measured (copy)"), rate=gb_per_s(host.measured_ram_bandwidth_bytes_per_s))
        table.add_row("RAM", ram)
    for disk in host.disks:
        where = f" ({disk.label})" if disk.label else ""
        line = f"{disk.path}{where}: " + fill(
            _("{free} free of {total}"), free=gib(disk.free_bytes), total=gib(disk.total_bytes)
        )
        if disk.requested_path:
            line += " " + fill(_("({path} does not exist yet)"), path=disk.requested_path)
        table.add_row(_("Disk"), line)
    return table


def _held(gpu: GpuDevice) -> str:
    used = gpu.memory_used_bytes
    if used is None and gpu.memory_free_bytes is not None:
        used = gpu.memory_total_bytes - gpu.memory_free_bytes
    if used is None:
        return ""
    text = gib(used)
    if gpu.processes is not None:
        text += " " + fill(ngettext("by {n} process", "by {n} processes", gpu.processes), n=gpu.processes)
    return text


def _catalog_text(entry: GpuSpec | None, narrow: bool = False) -> str:
    if entry is None:
        return _("not in catalog")
    if narrow:  # the id alone: what to type after --gpu
        return entry.id
    return fill(
        "{id}: {vram:g} GiB, {bandwidth}, {tflops:g} TFLOPS",
        id=entry.id,
        vram=entry.vram_gib,
        bandwidth=gb_per_s(entry.mem_bandwidth_gb_per_s * 1e9),
        tflops=entry.fp16_tflops,
    )


def _gpu_table(host: Host, entries: dict[int, GpuSpec | None], width: int = 1000) -> Table:
    first = host.gpus[0]
    versions = ", ".join(
        f"{label} {value}"
        for label, value in ((_("driver"), first.driver_version), ("CUDA", first.cuda_version))
        if value
    )
    table = Table(title="GPUs" + (f" ({versions})" if versions else ""), title_justify="left")
    narrow = width < NARROW
    ids = max((len(_catalog_text(e, True)) for e in entries.values()), default=1)
    columns = [
        ("index", "#", "number"),
        ("name", "GPU", "text"),
        ("free", _("free / total"), "text"),
        ("held", _("in use"), "text"),
        ("bandwidth", _("bandwidth"), "text"),
        ("catalog", _("catalog"), "id" if narrow else "text"),
        ("cc", "CC", "number"),
        ("power", _("power"), "number"),
        ("pcie", "PCIe", "text"),
        ("nvlink", "NVLink", "text"),
    ]
    if narrow:  # what sizing needs; --wide or COLUMNS shows the rest
        columns = [c for c in columns if c[0] not in {"cc", "power", "pcie", "nvlink"}]
    for key, header, kind in columns:
        _column(table, header, kind, ids if key == "catalog" and narrow else 0, "right" if key == "free" else "left")
    for g in host.gpus:
        free = f"{gib(g.memory_free_bytes)} / " if g.memory_free_bytes is not None else ""
        bandwidth = ""
        if g.bandwidth_bytes_per_s:
            bandwidth = gb_per_s(g.bandwidth_bytes_per_s) + (" " + _("measured") if g.bandwidth_measured else "")
        cells = {
            "index": str(g.index),
            "name": g.name,
            "free": free + gib(g.memory_total_bytes),
            "held": _held(g),
            "bandwidth": bandwidth,
            "catalog": _catalog_text(entries.get(g.index), narrow),
            "cc": g.compute_capability or "",
            "power": fill("{watts:,.0f} W", watts=g.power_limit_w) if g.power_limit_w else "",
            "pcie": fill(_("gen {gen} x{lanes}"), gen=g.pcie_generation, lanes=g.pcie_width)
            if g.pcie_generation and g.pcie_width
            else "",
            "nvlink": "" if g.nvlink_links is None else fill(_("{n} links"), n=g.nvlink_links),
        }
        table.add_row(*(cells[c[0]] for c in columns))
    return table


def _rig_name(rig: Rig | None) -> str:
    if rig is None:
        return _("the CPU")
    return f"{rig.count} x {rig.gpu.name}" if rig.count > 1 else rig.gpu.name


def _runnable_table(
    host: Host,
    rig: Rig | None,
    rows: Sequence[Runnable],
    workload: Workload,
    min_tokens_per_s: float,
    width: int = 1000,
) -> Group:
    judged = ""
    if rig is not None and rig.free_bytes_per_gpu:
        judged = fill(
            _("; fit judged against free VRAM: {free}"), free=", ".join(gib(b) for b in rig.free_bytes_per_gpu)
        )
    if rig is None:
        measured = host.measured_ram_bandwidth_bytes_per_s
        ram = (
            fill(_("{rate} measured"), rate=gb_per_s(measured))
            if measured
            else fill(_("{rate:g} GB/s assumed"), rate=Assumptions().system_ram_gb_per_s)
        )
        judged = fill(_("; system RAM at {ram}, fit judged against available RAM"), ram=ram)
    heading = fill(
        _("Largest models at >= {min_tokens_per_s:g} tok/s on {rig} ({quant}, {context:,} tokens, {engine}{judged})"),
        min_tokens_per_s=min_tokens_per_s,
        rig=_rig_name(rig),
        quant=workload.quant,
        context=workload.context,
        engine=workload.engine.value,
        judged=judged,
    )
    table = Table()
    ids = max((len(r.model.id) for r in rows), default=1)
    columns = [
        ("model", _("model"), "id"),
        ("params", _("params"), "number"),
        ("memory", _("memory"), "number"),
        ("where", _("where"), "text"),
        ("decode", _("decode"), "number"),
    ]
    if width < NARROW:  # the ids stay whole and where it runs keeps room to read
        columns = [c for c in columns if c[0] != "params"]
    for _key, header, kind in columns:
        _column(table, header, kind, ids if kind == "id" else 0)
    for r in rows:
        cells: dict[str, str | Text] = {
            "model": r.model.id,
            "params": _params(r.model.params_total),
            "memory": gib(r.memory_bytes),
            "where": _where_text(r),
            "decode": tokens(r.decode_tokens_per_s),
        }
        table.add_row(*(cells[c[0]] for c in columns))
    if not rows:
        return Group(Text(heading, style="italic"), Text(_("none")))
    return Group(Text(heading, style="italic"), table)


def _where_text(r: Runnable) -> Text:
    if r.gpu_count == 0:
        return Text(_("CPU, system RAM"))
    gpus = fill(ngettext("{n} GPU", "{n} GPUs", r.gpu_count), n=r.gpu_count)
    if r.fits:
        return Text(fill(_("{gpus}, fits fully"), gpus=gpus), style="green")
    return Text(
        fill(
            _("{gpus}, {gpu_layers} of {total_layers} layers on GPU, rest in RAM"),
            gpus=gpus,
            gpu_layers=r.gpu_layers,
            total_layers=r.total_layers,
        ),
        style="yellow",
    )


def _answer(answers: Sequence[tuple[Rig | None, Sequence[Runnable]]], min_tokens_per_s: float) -> Text:
    best = [(rig, rows[0]) for rig, rows in answers if rows]
    if not best:
        return Text(
            fill(_("Answer: no catalog model reaches {rate:g} tok/s on this machine."), rate=min_tokens_per_s),
            style="bold",
        )
    parts = []
    for rig, r in best:
        if r.gpu_count == 0:
            where = _("from system RAM")
        else:
            where = _("fits fully in GPU memory") if r.fits else _("offloads layers to system RAM")
        parts.append(
            fill(
                _("{name} ({id}) on {rig}, {rate}, {where}"),
                name=r.model.name,
                id=r.model.id,
                rig=_rig_name(rig),
                rate=tokens(r.decode_tokens_per_s),
                where=where,
            )
        )
    return Text(
        fill(
            _("Answer: the largest model at >= {rate:g} tok/s is {picks}."),
            rate=min_tokens_per_s,
            picks="; ".join(parts),
        ),
        "bold",
    )


def probe_report(
    host: Host,
    entries: dict[int, GpuSpec | None],
    answers: Sequence[tuple[Rig | None, Sequence[Runnable]]],
    workload: Workload,
    min_tokens_per_s: float,
    width: int = 1000,
) -> RenderableType:
    """The `sizer probe` report: machine, GPUs beside the catalog's figures, warnings, what it runs.

    `entries` maps GPU index to its catalog entry (None: not in the catalog); `answers` holds the
    runnable models per group of identical GPUs, or one (None, rows) for a CPU-only machine.
    """
    parts: list[RenderableType] = [_machine_table(host)]
    if host.gpus:
        parts.append(_gpu_table(host, entries, width))
    else:
        parts.append(Text(_("CPU-only: no GPU found; models run from system RAM."), style="bold"))
    for warning in host.warnings:
        parts.append(Text(fill(_("warning: {message}"), message=sentence(warning)), style="yellow"))
    for rig, rows in answers:
        parts.append(_runnable_table(host, rig, rows, workload, min_tokens_per_s, width))
    parts.append(_answer(answers, min_tokens_per_s))
    return Group(*parts)
