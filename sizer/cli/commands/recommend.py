"""sizer recommend: ranked model–hardware pairings for a use case, with speed, cost and reasons."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from sizer.bounds import (
    MAX_BATCH,
    MAX_CONTEXT,
    MAX_GPUS,
    MAX_HEADCOUNT,
    MAX_MONEY,
    MAX_PICKS,
    MAX_POWER_W,
    MAX_QUALITY,
    MAX_TOKENS_PER_S,
    MAX_YEARS,
)
from sizer.cli import options as o
from sizer.cli.output import (
    choose_format,
    console,
    count,
    emit,
    handle_errors,
    message,
    note,
    number,
    progress,
    show,
    warn,
    worded,
)
from sizer.constants import USE_CASES
from sizer.errors import N_, InputError, Message
from sizer.render.i18n import _, fill

FORMATS = ("text", "json", "markdown", "html")


@handle_errors
def recommend(
    use_case: o.UseCaseOpt = "chat",
    context: o.ContextOpt = 8192,
    users: Annotated[int | None, typer.Option("--users", help="Concurrent users (default 1).")] = None,
    headcount: o.HeadcountOpt = None,
    requests_per_hour: Annotated[
        float | None,
        typer.Option(
            "--requests-per-hour", help="With --headcount: requests per person at the busy hour (default 10)."
        ),
    ] = None,
    max_ttft: o.MaxTtftOpt = None,
    min_tokens_per_s: Annotated[
        float, typer.Option("--min-tokens-per-s", help="Decode tokens/s each user needs.")
    ] = 10,
    model: Annotated[
        str | None, typer.Option("--model", "-m", help="What hardware serves this catalog model (model first).")
    ] = None,
    budget: Annotated[float | None, typer.Option("--budget", help="Most the hardware may cost.")] = None,
    buy: Annotated[
        bool, typer.Option("--buy", help="Also show what to buy when --gpu/--hardware or this machine has GPUs.")
    ] = False,
    currency: Annotated[str, typer.Option("--currency", help="EUR or USD.")] = "EUR",
    gpu: o.GpuOpt = None,
    gpus: o.GpusOpt = None,
    hardware: o.HardwareOpt = None,
    engine: o.EngineOpt = "llama.cpp",
    quant: Annotated[
        str | None, typer.Option("--quant", "-q", help="Weight format (default: the best of the engine's that fits).")
    ] = None,
    kv_cache: o.KvOpt = None,
    license_: Annotated[
        str,
        typer.Option(
            "--license", help="commercial (default): only licences that allow commercial use; any: all, flagged."
        ),
    ] = "commercial",
    max_power: Annotated[float | None, typer.Option("--max-power", help="Most the GPUs may draw, W.")] = None,
    min_quality: Annotated[
        float | None,
        typer.Option(
            "--min-quality", help="Score 0-100 the model must reach after its format's loss (default per use case)."
        ),
    ] = None,
    top: Annotated[int, typer.Option("--top", help="Picks to show per kind (here, to buy).")] = 5,
    kwh_price: Annotated[
        float | None, typer.Option("--kwh-price", help="Electricity price per kWh (default: Germany, business).")
    ] = None,
    base_price: Annotated[
        float | None, typer.Option("--base-price", help="Price of the system around the GPUs.")
    ] = None,
    utilisation: Annotated[
        float | None,
        typer.Option(
            "--utilisation", help="Share of the month's hours the users work with it, 0-1 (default: working hours)."
        ),
    ] = None,
    years: Annotated[float | None, typer.Option("--years", help="Years to write the hardware off over.")] = None,
    explain: Annotated[bool, typer.Option("--explain", help="Also list what was excluded and why.")] = False,
    output_format: Annotated[str | None, o.format_option(*FORMATS)] = None,
    json_out: o.JsonOpt = False,
    markdown: Annotated[bool, typer.Option("--markdown", help="Shorthand for --format markdown.")] = False,
    report: Annotated[
        Path | None, typer.Option("--report", help="Write a report: FILE.html, or FILE.pdf (needs Chromium).")
    ] = None,
    no_calibration: o.NoCalibrationOpt = False,
    deploy: Annotated[
        str | None,
        typer.Option("--deploy", help="Also write what starts the first pick: compose, k8s, helm, kserve or shell."),
    ] = None,
    out: o.OutDirOpt = None,
    force: o.ForceOpt = False,
    lang: o.LangOpt = None,
) -> None:
    """Recommend ranked model–hardware pairings with speed, cost and the reasons.

    Without --gpu, sizer looks at this machine (what runs here now) and at the GPU catalog
    (what to buy within the budget).

    \b
    Examples:
      sizer recommend --use-case code --users 5 --budget 5000
      sizer recommend --use-case chat --gpu "RTX 4090" --gpus 2 --license commercial
      sizer recommend --use-case rag --context 32768 --report report.html
      sizer recommend --use-case chat --headcount 50 --budget 20000 --report report.pdf
      sizer recommend --engine vllm --quant AWQ --users 50 --min-tokens-per-s 20 --json
      sizer recommend --hardware server.json --use-case rag   # from `sizer probe --json`
      sizer recommend --model llama-3.3-70b --context 32768 --users 20
      sizer recommend --use-case chat --headcount 200 --budget 40000 --max-ttft 2
      sizer recommend --use-case code --users 5 --gpu "RTX 4090" --deploy compose > compose.yaml
    """
    from sizer.core.recommend import budget_in, recommend_for_model
    from sizer.core.recommend import recommend as run_recommend
    from sizer.io.loaders import load_catalog, load_interconnects

    chosen = choose_format("markdown" if markdown and not output_format else output_format, json_out, FORMATS)
    if currency.upper() not in {"EUR", "USD"}:
        raise InputError(N_("--currency takes EUR or USD, not {value}"), value=repr(currency))
    _check_report(report)
    deploy_as = _check_deploy(deploy, out, force, chosen, json_out or output_format is not None or markdown)
    settings = _settings(currency, kwh_price, base_price, utilisation, years)
    concurrent = _concurrency(users, headcount, requests_per_hour, max_ttft, min_tokens_per_s, settings)
    needs = _needs(
        use_case, context, concurrent["users"], min_tokens_per_s, budget, currency, engine, quant, kv_cache,
        license_, max_power, min_quality, top,
    ).model_copy(update=concurrent)  # fmt: skip
    budget_in(needs, settings)  # a budget that cannot be converted is refused before any work
    catalog = load_catalog(warn=warn)
    wanted = catalog.model(model) if model is not None else None
    if wanted is not None:
        needs = needs.model_copy(update={"model": wanted.id})
    options = _options(catalog, needs, settings, gpu, gpus, hardware, buy or wanted is not None)
    from sizer.cli.calibration import calibrated_options

    options = calibrated_options(options, off=no_calibration)
    links = load_interconnects()  # its default joins the nodes of a multi-node rig to buy
    link = links.get(links.default)
    from sizer.io.weights_cache import remembered_weights

    with remembered_weights():
        if wanted is not None:
            ranking = recommend_for_model(catalog, wanted, needs, options, settings, interconnect=link)
        else:
            with progress("sizing model x GPU pairings") as step:
                ranking = run_recommend(catalog, needs, options, settings, progress=step, interconnect=link)
    _write_report(report, ranking, catalog)
    if deploy_as is not None and out is None:  # stdout is the manifest's
        _deploy_first(ranking, deploy_as, (gpu, hardware), out, force)
        return
    _print(chosen, ranking, explain, catalog)
    if chosen in ("text", "markdown"):
        _say_calibrated(options)
        _say_price_caveats(ranking, catalog)
    if deploy_as is not None:
        _deploy_first(ranking, deploy_as, (gpu, hardware), out, force)


def _check_deploy(deploy: str | None, out: Path | None, force: bool, chosen: str, asked_format: bool) -> str | None:
    """The --deploy format, checked before any work; without --out its files take stdout, so an
    output format asked for as well needs --out."""
    from sizer.cli.commands.deploy import FORMATS as DEPLOY_FORMATS

    if deploy is None:
        if out is not None or force:
            raise InputError(N_("--out and --force are for the files of --deploy FORMAT"))
        return None
    fmt = choose_format(deploy, False, DEPLOY_FORMATS)
    if out is None and asked_format:
        raise InputError(
            N_(
                "--deploy without --out writes the {deploy} files to stdout; give --out DIR for the {format} output too"
            ),
            deploy=fmt,
            format=chosen,
        )
    return fmt


def _deploy_first(ranking: Any, fmt: str, owned: tuple[str | None, Path | None], out: Path | None, force: bool) -> None:
    """Write the deployment of the first pick that `fmt` can start, sized as `sizer deploy` sizes
    the same flags: its model, format, engine, GPUs, nodes and copies, the asked context and each
    copy's share of the users. A pick that runs here is deployed on the hardware it was found on
    (--gpu, --hardware or this machine). A pick passed over is named with its reason."""
    from sizer.cli.commands.deploy import plan_setup, write_plan

    if not ranking.recommendations:
        raise InputError(N_("--deploy: no pick to deploy; nothing serves the need"))
    passed: list[tuple[int, InputError]] = []  # the picks `fmt` cannot start, and why
    for rank, pick in enumerate(ranking.recommendations, 1):
        try:
            plan = plan_setup(_pick_setup(pick, ranking.needs, owned), fmt)
        except InputError as exc:
            passed.append((rank, exc))
            continue
        said: dict[str, list[int]] = {}  # one line per reason, naming every pick it held back
        for skipped, why in passed:
            said.setdefault(worded(why), []).append(skipped)
        for why_text, ranks in said.items():
            line = (
                _("pick {ranks} cannot be deployed as {format}: {error}")
                if len(ranks) == 1
                else _("picks {ranks} cannot be deployed as {format}: {error}")
            )
            note(fill(line, ranks=", ".join(map(str, ranks)), format=fmt, error=why_text))
        message(_deploying(pick, rank))
        write_plan(plan, fmt, out, force)
        return
    raise passed[0][1]  # none can: the first pick's reason


def _pick_setup(pick: Any, needs: Any, owned: tuple[str | None, Path | None]) -> Any:
    from sizer.cli.commands.deploy import Setup
    from sizer.cli.hardware import node_link

    gpu, hardware = owned if pick.kind == "runs here" else (pick.gpu, None)
    link = node_link(pick.engine.value, pick.nodes, None)
    from sizer.core.recommend import per_copy

    users = per_copy(needs, pick.replicas).users  # each copy serves its share, as the pick was sized
    return Setup(
        pick.model, pick.quant, needs.context, users, gpu, pick.gpu_count, hardware, pick.engine.value,
        needs.kv_cache_type, None, pick.nodes, link, pick.replicas,
    )  # fmt: skip


def _deploying(pick: Any, rank: int) -> str:
    from sizer.engines import engine_for

    if pick.nodes > 1:
        where = _("deploying pick {rank}: {model} ({quant}) with {engine} on {nodes} nodes of {count} x {gpu}")
    elif pick.replicas > 1:
        where = _(
            "deploying pick {rank}: {model} ({quant}) with {engine} on {replicas} servers of {count} x {gpu} each"
        )
    else:
        where = _("deploying pick {rank}: {model} ({quant}) with {engine} on {count} x {gpu}")
    return fill(
        where,
        rank=rank,
        model=pick.model,
        quant=pick.quant,
        engine=engine_for(pick.engine).label,
        nodes=pick.nodes,
        replicas=pick.replicas,
        count=pick.gpu_count,
        gpu=pick.gpu_name,
    )


def _say_price_caveats(ranking: Any, catalog: Any) -> None:
    """A line for each GPU to buy whose price is more than a year old (core.cost.old_prices), and
    one for each priced as a used card."""
    from datetime import date

    from sizer.core.cost import PRICE_MAX_AGE_MONTHS, old_prices
    from sizer.render.formatting import PRICE_KINDS

    priced = []
    used: dict[str, str] = {}
    for pick in ranking.recommendations:
        price = catalog.gpu(pick.gpu).price if pick.kind == "to buy" else None
        if price is not None:
            priced.append((pick.gpu_name, price.date, price.kind))
            if price.used:
                used.setdefault(pick.gpu_name, str(price.date))
    today = date.today()
    for name, when, kind in old_prices(priced, (today.year, today.month)):
        line = _("{gpu}: {kind} price of {date}, over {months} months old; get a quote")
        note(fill(line, kind=_(PRICE_KINDS[kind]), gpu=name, date=when, months=PRICE_MAX_AGE_MONTHS))
    for name, when in used.items():
        note(fill(_("{gpu}: priced as a used card ({date}); check its condition and warranty"), gpu=name, date=when))


def _say_calibrated(options: list[Any]) -> None:
    """A line for each GPU the user's calibration sized (owned or to buy)."""
    from sizer.cli.calibration import say_calibrated

    said: set[str] = set()
    for opt in options:
        if opt.calibration is not None and opt.gpu.id not in said:
            said.add(opt.gpu.id)
            say_calibrated(opt.calibration, opt.gpu.name)


def _needs(
    use_case: str,
    context: int,
    users: int,
    min_tokens_per_s: float,
    budget: float | None,
    currency: str,
    engine: str,
    quant: str | None,
    kv_cache: str | None,
    license_: str,
    max_power: float | None,
    min_quality: float | None,
    top: int,
) -> Any:
    """The recommend flags as validated Needs (InputError, one line, for anything off)."""
    from sizer.core.quant import resolve_quant
    from sizer.engines import engine_for
    from sizer.engines.base import check_format, check_kv_cache
    from sizer.models import Currency, Money, Needs

    for name, value, high in (
        ("--users", users, MAX_BATCH),
        ("--context", context, MAX_CONTEXT),
        ("--top", top, MAX_PICKS),
    ):
        count(name, value, high)
    number("--budget", budget, 0, MAX_MONEY)
    number("--min-tokens-per-s", min_tokens_per_s, 0, MAX_TOKENS_PER_S)
    number("--max-power", max_power, 0, MAX_POWER_W, above=True)
    number("--min-quality", min_quality, 0, MAX_QUALITY)
    if use_case not in USE_CASES:
        raise InputError(
            N_("unknown use case {value}; choose {choices}"), value=repr(use_case), choices=", ".join(USE_CASES)
        )
    if license_ not in {"commercial", "any"}:
        raise InputError(N_("--license takes 'commercial' or 'any', not {value}"), value=repr(license_))
    runtime = engine_for(engine)
    fmt = resolve_quant(quant or runtime.default_format).name
    check_format(runtime, fmt)  # the user's own choice: an error, not a silent empty ranking
    check_kv_cache(runtime, kv_cache or "f16")
    return Needs(
        use_case=use_case,
        context=context,
        users=users,
        min_tokens_per_s=min_tokens_per_s,
        budget=Money(amount=budget, currency=Currency(currency.upper())) if budget is not None else None,
        engine=runtime.name,
        quant=fmt,
        choose_quant=quant is None,
        kv_cache_type=kv_cache or "f16",
        commercial_only=license_ == "commercial",
        max_power_w=max_power,
        min_quality=min_quality,
        top=top,
    )


def _concurrency(
    users: int | None,
    headcount: int | None,
    requests_per_hour: float | None,
    max_ttft: float | None,
    min_tokens_per_s: float,
    settings: Any,
) -> dict[str, Any]:
    """The load as Needs fields: --users as given, or the users a --headcount's busy hour needs
    (its requests per person and request size default to the shipped load, data/costs.yaml)."""
    from sizer.core.capacity import users_for_headcount

    count("--users", users, MAX_BATCH)
    count("--headcount", headcount, MAX_HEADCOUNT)
    number("--requests-per-hour", requests_per_hour, 0, 3600, above=True)
    number("--max-ttft", max_ttft, 0, 86400, above=True)
    if headcount is None:
        if requests_per_hour is not None:
            raise InputError(N_("--requests-per-hour needs --headcount (the people who send them)"))
        return {"users": 1 if users is None else users, "max_ttft_s": max_ttft}
    if users is not None:
        raise InputError(N_("give --users (concurrent users) or --headcount (people), not both"))
    load = settings.load
    rate = requests_per_hour or load.requests_per_user_hour
    prompt, output = max(1, round(load.prompt_tokens)), max(1, round(load.output_tokens))
    return {
        "users": min(users_for_headcount(headcount, rate, output, min_tokens_per_s), MAX_BATCH),
        "headcount": headcount,
        "requests_per_hour": rate,
        "prompt_tokens": prompt,
        "output_tokens": output,
        "max_ttft_s": max_ttft,
    }


def _settings(
    currency: str, kwh_price: float | None, base_price: float | None, utilisation: float | None, years: float | None
) -> Any:
    """The shipped cost settings in `currency`, with the user's overrides."""
    from sizer.io.loaders import load_cost_settings

    number("--utilisation", utilisation, 0, 1, above=True)
    number("--kwh-price", kwh_price, 0, MAX_MONEY)
    number("--base-price", base_price, 0, MAX_MONEY)
    number("--years", years, 0, MAX_YEARS, above=True)  # the write-off divides by it
    overrides: dict[str, Any] = {
        "kwh_price": kwh_price,
        "base_system_price": base_price,
        "utilisation_frac": utilisation,
        "amortisation_years": years,
    }
    settings = load_cost_settings(currency.upper())
    if utilisation is not None:  # the share of the month's hours the users are at it
        hours = utilisation * settings.hours_per_month
        overrides["load"] = settings.load.model_copy(update={"busy_hours_per_month": hours})
    return settings.model_copy(update={k: v for k, v in overrides.items() if v is not None})


def _options(
    catalog: Any, needs: Any, settings: Any, gpu: str | None, gpus: int | None, hardware: Path | None, buy: bool
) -> list[Any]:
    """Owned rigs (--gpu, --hardware or this machine: hardware the user has, whether or not the
    catalog prices it) and rigs to buy: when there is nothing owned, with --budget, or with `buy`.

    A GPU named with --gpu that the engine cannot run on is an error; one found here or in a
    hardware file is left out with a note.
    """
    from sizer.cli.hardware import resolve_hardware
    from sizer.core.recommend import buyable_options
    from sizer.core.rigs import HardwareOption, owned_parts
    from sizer.engines import engine_for
    from sizer.engines.base import check_gpu

    count("--gpus", gpus, MAX_GPUS)
    target = resolve_hardware(catalog, gpu, gpus, hardware, needs.engine, skip_unknown=True)
    runtime, rigs = engine_for(needs.engine), []
    for r in target.rigs:
        try:
            check_gpu(runtime, r.gpu)
        except InputError as exc:
            if target.named:
                raise
            target.notes.append(Message(N_("{error}; left out"), error=exc))
            continue
        rigs.append(r)
    if not target.rigs and not target.named:
        target.notes.append(
            fill(_("no GPU in {where}"), where=hardware)
            if hardware
            else _("no GPU in this machine: showing what to buy")
        )
    for line in target.notes:
        note(line)
    options = [
        HardwareOption(
            gpu=r.gpu,
            count=k,
            owned=True,
            available_bytes_per_gpu=r.available_bytes_per_gpu(k),
            bandwidth_gb_per_s=r.bandwidth_gb_per_s,
            part_of=r.count if k < r.count else None,
        )
        for r in rigs
        for k in owned_parts(r.count)
    ]
    if not options or needs.budget is not None or buy:
        options += buyable_options(catalog, needs, settings)
    return options


def _report_html(ranking: Any, catalog: Any) -> str:
    """The report page, with the catalog's GPU prices (each with its date and source)."""
    from sizer.render.html import recommend_html

    prices = {g.id: g.price for g in catalog.gpus if g.price is not None}
    newest = max((str(p.date) for p in prices.values()), default=None)
    return recommend_html(ranking, prices, newest)


def _check_report(report: Path | None) -> None:
    """Refuse a report file sizer cannot write before any work is done."""
    if report is None:
        return
    if report.suffix.lower() not in {".html", ".htm", ".pdf"}:
        raise InputError(N_("--report writes .html or .pdf, not {value}"), value=repr(report.name))
    if report.suffix.lower() == ".pdf":
        from sizer.io.pdf import NO_BROWSER, find_browser

        if not report.parent.is_dir():
            raise InputError(N_("--report: no such directory {value}"), value=repr(str(report.parent)))
        if find_browser() is None:
            raise InputError(NO_BROWSER)


def _write_report(report: Path | None, ranking: Any, catalog: Any) -> None:
    if report is None:
        return
    html = _report_html(ranking, catalog)
    if report.suffix.lower() == ".pdf":
        from sizer.io.pdf import html_to_pdf

        html_to_pdf(html, report)
    else:
        from sizer.io.writing import write_file

        write_file(report, html)
    console(stderr=True).print(fill(_("wrote {path}"), path=report), markup=False)


def _print(chosen: str, ranking: Any, explain: bool, catalog: Any) -> None:
    if chosen == "json":
        from sizer.render.json import to_json

        emit(to_json(ranking))
    elif chosen == "markdown":
        from sizer.render.markdown import recommend_markdown

        emit(recommend_markdown(ranking))
    elif chosen == "html":
        emit(_report_html(ranking, catalog))
    else:
        from sizer.render.text import excluded_table, recommend_table

        show(recommend_table(ranking, console().width))
        if explain:
            show(excluded_table(ranking))
