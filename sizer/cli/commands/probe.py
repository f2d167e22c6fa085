"""sizer probe: this machine's hardware and the largest catalog models it runs."""

from __future__ import annotations

from typing import Annotated, Any

from sizer.cli import options as o
from sizer.cli.output import choose_format, console, emit, handle_errors, show, warn

FORMATS = ("text", "json")


@handle_errors
def probe(
    models_dir: o.ModelsDirOpt = None,
    bench: o.BenchOpt = False,
    output_format: Annotated[str | None, o.format_option(*FORMATS)] = None,
    json_out: o.JsonOpt = False,
    lang: o.LangOpt = None,
) -> None:
    """Show this machine's hardware (CPU, RAM, disk, GPUs) and the largest models it runs at 10 tok/s.

    No GPU, or no NVIDIA driver, is a normal answer: the report says CPU-only and exits 0.

    \b
    Examples:
      sizer probe
      sizer probe --bench                         # measure RAM/GPU bandwidth (a few seconds)
      sizer probe --models-dir /srv/models
      sizer probe --json > server.json            # then: sizer estimate MODEL --hardware server.json
    """
    from sizer.io.hardware import probe as probe_host
    from sizer.io.loaders import load_catalog

    chosen = choose_format(output_format, json_out, FORMATS)
    catalog = load_catalog(warn=warn)
    host = probe_host(catalog, models_dir)
    if bench:
        host = _bench(host)
    if chosen == "json":
        from sizer.render.json import host_json

        emit(host_json(host))
        return
    show(_report(catalog, host))


def _bench(host: Any) -> Any:
    """Measure bandwidth with a progress bar on stderr."""
    from sizer.io.hardware.bench import bench
    from sizer.render.i18n import _, sentence
    from sizer.render.text import bench_progress

    with bench_progress(console(stderr=True)) as bar:
        task = bar.add_task(_("bandwidth"), total=None)
        return bench(
            host,
            lambda what, done, total: bar.update(task, description=sentence(what), completed=done, total=total),
        )


def _report(catalog: Any, host: Any) -> Any:
    """What the machine runs: per group of identical GPUs, or on the CPU when there is none."""
    from sizer.core.rigs import rigs_for_host, runnable_models
    from sizer.errors import Message
    from sizer.models import Workload
    from sizer.render.text import probe_report

    workload, min_rate, skipped = Workload(), 10.0, list[str | Message]()
    rigs = rigs_for_host(host, catalog, skipped=skipped)
    host = host.model_copy(update={"warnings": (*host.warnings, *skipped)})
    answers: list[tuple[Any, list[Any]]] = [
        (rig, runnable_models(catalog, host, rig, workload, min_rate)) for rig in rigs
    ] or [(None, runnable_models(catalog, host, None, workload, min_rate))]
    entries = {d: rig.catalog_entry for rig in rigs for d in rig.devices}
    return probe_report(host, entries, answers, workload, min_rate, console().width)
