"""sizer estimate: one model on one piece of hardware, fully broken down."""

from __future__ import annotations

from typing import Annotated, Any

from sizer.bounds import MAX_BATCH, MAX_CONTEXT, MAX_GPUS, MAX_HEADCOUNT
from sizer.cli import options as o
from sizer.cli.output import choose_format, count, emit, handle_errors, show
from sizer.errors import N_, InputError

FORMATS = ("text", "json", "markdown")


@handle_errors
def estimate(
    model: o.ModelArg,
    quant: o.FileQuantOpt = None,
    context: o.ContextOpt = 4096,
    batch: o.BatchOpt = 1,
    gpu: o.GpuOpt = None,
    gpus: o.GpusOpt = None,
    hardware: o.HardwareOpt = None,
    engine: o.EngineOpt = "llama.cpp",
    nodes: o.NodesOpt = 1,
    interconnect: o.InterconnectOpt = None,
    kv_cache: o.KvOpt = None,
    prompt_tokens: o.PromptTokensOpt = None,
    output_tokens: o.OutputTokensOpt = None,
    gpu_memory_utilization: o.GpuMemoryOpt = None,
    headcount: o.HeadcountOpt = None,
    requests_per_hour: o.RateOpt = None,
    max_ttft: o.MaxTtftOpt = None,
    min_tokens_per_s: o.MinSpeedOpt = 10.0,
    output_format: Annotated[str | None, o.format_option(*FORMATS)] = None,
    json_out: o.JsonOpt = False,
    no_calibration: o.NoCalibrationOpt = False,
    lang: o.LangOpt = None,
) -> None:
    """Estimate memory and speed of one model on one piece of hardware, fully broken down.

    Without --gpu or --hardware it probes this machine and judges fit against free VRAM.
    With --prompt-tokens and --output-tokens it adds serving figures for --batch requests at once:
    time to first token, inter-token latency, throughput, how many such requests the KV cache holds.
    With --headcount and --requests-per-hour it simulates the busy hour: p50/p95 time to first
    token, p95 inter-token latency, peak concurrency, and the most people served within the SLOs
    (--max-ttft, --min-tokens-per-s).

    \b
    Examples:
      sizer estimate llama-3.1-8b --gpu "RTX 4090"
      sizer estimate Qwen/Qwen2.5-32B-Instruct --quant Q4_K_M --context 16384 --gpu "NVIDIA A100 80GB PCIe"
      sizer estimate llama-3.3-70b --gpu "2x RTX 3090" --json
      sizer estimate mixtral-8x7b --engine vllm --quant AWQ --gpu H100 --gpus 2 --batch 16
      sizer estimate llama-3.3-70b --hardware server.json    # from `sizer probe --json > server.json`
      sizer estimate ./Llama-3.1-8B-Instruct-Q5_K_M.gguf --gpu "RTX 4070"
      sizer estimate ~/models/Mistral-7B-Instruct-v0.3 --gpu "RTX 4090" --quant Q8_0
      sizer estimate HuggingFaceTB/SmolLM2-1.7B-Instruct@main --gpu "RTX 3060"
      sizer estimate llama-3.1-8b --engine vllm --gpu H100 --batch 32 --prompt-tokens 1000 --output-tokens 200
      sizer estimate qwen3-32b --engine vllm --gpu "L40S" --gpus 2 --prompt-tokens 800 --output-tokens 300 \
          --headcount 200 --requests-per-hour 10 --max-ttft 2
      sizer estimate llama-3.1-405b --engine vllm --gpu H100-SXM --gpus 8 --nodes 2    # two 8-GPU nodes over NDR
    """
    from sizer.cli.hardware import size_setup
    from sizer.cli.output import number
    from sizer.core.launch import estimate_launch, run_command
    from sizer.core.rigs import estimate_on_rig
    from sizer.core.serving import max_concurrency, serving, serving_rig
    from sizer.engines import engine_for

    chosen = choose_format(output_format, json_out, FORMATS)
    for name, value, high in (
        ("--context", context, MAX_CONTEXT),
        ("--batch", batch, MAX_BATCH),
        ("--gpus", gpus, MAX_GPUS),
        ("--prompt-tokens", prompt_tokens, MAX_CONTEXT),
        ("--output-tokens", output_tokens, MAX_CONTEXT),
    ):
        count(name, value, high)
    if (prompt_tokens is None) != (output_tokens is None):
        raise InputError(N_("--prompt-tokens and --output-tokens go together; give both"))
    number("--gpu-memory-utilization", gpu_memory_utilization, 0.0, 1.0, above=True)
    count("--headcount", headcount, MAX_HEADCOUNT)
    number("--requests-per-hour", requests_per_hour, 0.0, 3600.0, above=True)
    number("--max-ttft", max_ttft, 0.0, 86400.0, above=True)
    number("--min-tokens-per-s", min_tokens_per_s, 0.0, 1e6)
    if headcount is not None and requests_per_hour is None:
        raise InputError(N_("--headcount needs --requests-per-hour (requests per person at the busy hour)"))
    if headcount is not None and prompt_tokens is None:
        raise InputError(N_("--headcount needs --prompt-tokens and --output-tokens (the size of a request)"))
    from sizer.cli.hardware import node_link

    link = node_link(engine, nodes, interconnect)
    setup = size_setup(
        model, quant, context, batch, gpu, gpus, hardware, engine, kv_cache, gpu_memory_utilization,
        N_("no GPU in {where}{why}; pass --gpu NAME or --hardware FILE to size other hardware"),
    )  # fmt: skip
    spec, workload, target, rig = setup.spec, setup.workload, setup.target, setup.rig
    if prompt_tokens is not None and output_tokens is not None and prompt_tokens + output_tokens > spec.max_context:
        raise InputError(
            N_("--prompt-tokens + --output-tokens = {total:,} exceed {model}'s context of {max_context:,} tokens"),
            total=prompt_tokens + output_tokens,
            model=spec.id,
            max_context=spec.max_context,
        )
    a = setup.assumptions
    from sizer.cli.calibration import calibrated, say_calibrated

    a, calibration = calibrated(a, rig.gpu, off=no_calibration)
    count_used = None if target.named else gpus
    result = estimate_on_rig(spec, rig, workload, count_used, a, nodes, link)
    launch = estimate_launch(spec, rig.gpu, result, a)
    update = {"launch": launch, "command": run_command(launch), "calibration": calibration}
    result = result.model_copy(update=update)
    if prompt_tokens is not None and output_tokens is not None:
        n = count_used or rig.count
        sized = serving_rig(
            spec, rig.gpu, n, workload, a, rig.available_bytes_per_gpu(n), rig.bandwidth_gb_per_s, nodes, link
        )
        result = result.model_copy(update={"serving": serving(sized, batch, prompt_tokens, output_tokens)})
        if headcount is not None and requests_per_hour is not None:
            from sizer.core.capacity import busy_hour

            load = busy_hour(
                sized, headcount, requests_per_hour, prompt_tokens, output_tokens, max_ttft, min_tokens_per_s
            )
            result = result.model_copy(update={"capacity": load})
            runtime = engine_for(workload.engine)
            peak = load.peak_concurrency
            # The busy hour ran up to its peak at once: the command lets the engine, where its
            # KV cache is paged (vLLM-class) or holds that many slots of the full context.
            if runtime.serving_scheduler(workload, a, rig.gpu).max_slots > workload.batch and (
                runtime.splits_tensors or max_concurrency(sized, workload.context) >= peak
            ):
                launch = estimate_launch(spec, rig.gpu, result, a, sequences=peak)
                result = result.model_copy(update={"launch": launch, "command": run_command(launch)})
    if chosen == "json":
        from sizer.render.json import to_json

        emit(to_json(result))
        return
    _print(chosen, result, spec, rig.gpu)
    say_calibrated(calibration)


def _print(chosen: str, result: Any, spec: Any, gpu: Any) -> None:
    """The estimate as a table (Markdown or the terminal's), the command on its own line below."""
    from sizer.render.formatting import layout_line
    from sizer.render.text import estimate_command, estimate_table

    if chosen == "markdown":
        from sizer.render.markdown import from_table

        emit(from_table(estimate_table(result, spec, gpu)))
        return
    show(estimate_table(result, spec, gpu, with_command=False))
    if layout_line(result.layout):
        show(layout_line(result.layout))
    command = estimate_command(result)
    if command is not None:
        show(command)
