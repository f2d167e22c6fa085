"""The deployment formats of `sizer deploy`, one module each: manifests built as data (dicts) and
written with yaml.safe_dump, never as formatted strings. `files(plan, fmt)` gives each file's
name and text; `summary` words what was written and how to start it."""

from __future__ import annotations

import re
from typing import Any

from sizer.core.deploy import DeploymentPlan
from sizer.render.i18n import _, fill


def dump(*documents: Any) -> str:
    """YAML documents as the safe dumper writes them (block style, keys in the order built, and
    each repeated value written out, never as an &anchor a reader must resolve)."""
    import yaml

    class Dumper(yaml.SafeDumper):
        def ignore_aliases(self, data: Any) -> bool:
            return True

    return yaml.dump_all(documents, Dumper=Dumper, sort_keys=False, default_flow_style=False, width=1000)


def shell_join(words: tuple[str, ...], variables: tuple[str, ...]) -> str:
    """A POSIX shell line of `words`: each quoted as shlex does, except a word naming one of the
    shell `variables` (`$NODE_RANK`), which goes in double quotes so the shell expands it."""
    import shlex

    out = []
    for word in words:
        if any(v in word for v in variables):
            out.append('"' + re.sub(r'(["\\`])', r"\\\1", word) + '"')
        else:
            out.append(shlex.quote(word))
    return " ".join(out)


def server_args(plan: DeploymentPlan, without: tuple[str, ...] = ()) -> list[str]:
    """The launch argv after `vllm serve MODEL` (the formats that name the model themselves), less
    the flags in `without` and their values (what the format carries as fields of its own)."""
    argv = list(plan.launch.argv)
    rest = argv[argv.index(plan.model_ref) + 1 :] if plan.model_ref in argv else argv[2:]
    out, skip = [], False
    for word in rest:
        if skip:
            skip = False
        elif word in without:
            skip = True
        else:
            out.append(word)
    return out


def _module(fmt: str) -> Any:
    from sizer.render.deploy import compose, helm, k8s, kserve, shell

    return {"compose": compose, "k8s": k8s, "helm": helm, "kserve": kserve, "shell": shell}[fmt]


def files(plan: DeploymentPlan, fmt: str) -> dict[str, str]:
    """The files `fmt` writes for `plan`: file name -> text."""
    module = _module(fmt)
    return {module.FILE_NAME: module.render(plan)}


def apply_command(plan: DeploymentPlan, fmt: str, path: str) -> str:
    """The command that starts what `path` holds."""
    if fmt == "compose":
        return f"docker compose -f {path} up -d"
    if fmt in ("k8s", "kserve"):
        return f"kubectl apply -f {path}"
    if fmt == "helm":
        return (
            "helm repo add vllm https://vllm-project.github.io/production-stack && "
            f"helm install {plan.name} vllm/vllm-stack -f {path}"
        )
    if plan.nodes > 1:
        from sizer.render.deploy.shell import usage

        return usage(plan, path)
    return f"sh {path}"


def summary(plan: DeploymentPlan, fmt: str, path: str | None) -> list[str]:
    """A few lines for stderr: what, on which GPUs, how to apply it."""
    gpus = f"{plan.gpu_count}x {plan.gpu}"
    if plan.nodes > 1:
        gpus = fill(
            _("{nodes} nodes of {per_node}x {gpu}"), nodes=plan.nodes, per_node=plan.gpus_per_node, gpu=plan.gpu
        )
    lines = [
        fill(
            _("{model} ({fmt}) with {engine} on {gpus}: {context:,} tokens x {seqs} sequences, image {image}"),
            model=plan.model_id,
            fmt=plan.weight_format,
            engine=plan.engine_label,
            gpus=gpus,
            context=plan.max_model_len,
            seqs=plan.max_num_seqs,
            image=plan.image,
        ),
    ]
    if plan.replicas > 1 and fmt in ("compose", "shell"):
        lines.append(
            _("start it on each of {replicas} servers and spread the users over them (a load balancer in front)")
            .format(replicas=plan.replicas)
        )  # fmt: skip
    elif plan.replicas > 1:
        lines.append(
            _("{replicas} copies behind one Service, each on its own GPUs; their model volume is ReadWriteMany")
            .format(replicas=plan.replicas)
        )  # fmt: skip
    asked = {
        "nodes": plan.nodes,
        "gpu_count": plan.gpus_per_node,
        "resource": plan.gpu_resource,
        "cpu": plan.cpu_request,
        "memory": plan.memory_gib,
        "volume": plan.volume_gib,
    }
    if fmt != "shell" and plan.nodes > 1:
        lines.append(
            _(
                "each of the {nodes} pods requests {gpu_count} {resource}, {cpu} CPUs, {memory} GiB memory; "
                "shared model volume {volume} GiB (ReadWriteMany)"
            ).format(**asked)
        )
        needs = {
            "k8s": _("the cluster needs the LeaderWorkerSet controller (https://lws.sigs.k8s.io) and a storage class "
                     "that offers ReadWriteMany volumes"),
            "kserve": _("KServe runs it in RawDeployment mode; the model starts once the Job {name}-download has "
                        "filled the volume: kubectl wait --for=condition=complete job/{name}-download --timeout=3h"
                        ).format(name=plan.name),
        }  # fmt: skip
        lines.append(needs[fmt])
    elif fmt != "shell":
        lines.append(
            _("requests {gpu_count} {resource}, {cpu} CPUs, {memory} GiB memory; model volume {volume} GiB").format(
                **asked
            )
        )
    target = path or _module(fmt).FILE_NAME
    saved = "" if path else _(" (save the output as {name})").format(name=target)
    if plan.nodes > 1 and fmt == "shell":
        lines.append(_("to start it{saved}, {command}").format(saved=saved, command=apply_command(plan, fmt, target)))
        return lines
    lines.append(_("to start it{saved}: {command}").format(saved=saved, command=apply_command(plan, fmt, target)))
    if plan.after_start:
        where = {
            "compose": f"docker compose -f {target} exec {plan.name} ",
            "k8s": f"kubectl exec deploy/{plan.name} -- ",
        }.get(fmt, "")
        lines.append(_("then fetch the model once: {command}").format(command=where + " ".join(plan.after_start)))
    if plan.local_file and fmt == "compose":
        lines.append(_("put {file} in ./models beside the compose file first").format(file=plan.local_file))
    elif plan.local_file and fmt == "k8s":
        lines.append(
            _("copy {file} into the volume {name}-models ({path}) before it starts").format(
                file=plan.local_file, name=plan.name, path=plan.container.workdir
            )
        )
    return lines
