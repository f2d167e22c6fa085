"""`--format k8s`: a Deployment, a Service and a PersistentVolumeClaim (apps/v1 and v1), with the
GPUs as device-plugin resources, probes on the engine's health endpoint and /dev/shm in memory.

Across nodes a LeaderWorkerSet (https://lws.sigs.k8s.io, leaderworkerset.x-k8s.io/v1) in place of
the Deployment: one group of `nodes` pods, each on its own node with one node's GPUs; the leader
(worker index 0) runs the server, the Service sends traffic to it, and the pods reach the leader
through the address the LeaderWorkerSet sets in their environment (LWS_LEADER_ADDRESS, with
LWS_WORKER_INDEX the pod's index). All pods read one ReadWriteMany model volume."""

from __future__ import annotations

import math
from typing import Any

from sizer.core.deploy import DeploymentPlan
from sizer.render.deploy import dump, shell_join

FILE_NAME = "kubernetes.yaml"
VOLUME = "model-cache"
SHM = "dshm"
# What the LeaderWorkerSet controller sets in every pod of a group
# (https://lws.sigs.k8s.io/docs/reference/labels-annotations-and-environment-variables/).
LEADER_ADDRESS, WORKER_INDEX = "$LWS_LEADER_ADDRESS", "$LWS_WORKER_INDEX"
LWS_NAME_LABEL = "leaderworkerset.sigs.k8s.io/name"
# The startup probe checks every 10 s and allows the plan's startup time (download and load).
STARTUP_PERIOD_S = 10


def _gib(n: int) -> str:
    return f"{n}Gi"


def resources(plan: DeploymentPlan) -> dict[str, Any]:
    """Requests and limits; a GPU resource must be set as a limit (and equal the request)."""
    return {
        "requests": {
            "cpu": str(plan.cpu_request),
            "memory": _gib(plan.memory_gib),
            plan.gpu_resource: plan.gpus_per_node,
        },
        "limits": {plan.gpu_resource: plan.gpus_per_node},
    }


def _probe(plan: DeploymentPlan, period_s: int, failures: int) -> dict[str, Any]:
    return {
        "httpGet": {"path": plan.container.health_path, "port": "http"},
        "periodSeconds": period_s,
        "failureThreshold": failures,
    }


def labels(plan: DeploymentPlan) -> dict[str, str]:
    return {"app.kubernetes.io/name": plan.name, "app.kubernetes.io/component": plan.engine.value.replace(".", "")}


def pod_annotations(plan: DeploymentPlan) -> dict[str, str]:
    """The prometheus.io annotations most scrape configurations follow, where the engine has metrics."""
    path = plan.container.metrics_path
    if path is None:
        return {}
    return {"prometheus.io/scrape": "true", "prometheus.io/port": str(plan.container.port), "prometheus.io/path": path}


def _script(commands: tuple[tuple[str, ...], ...]) -> list[str]:
    """`sh -c` with the commands in turn, the last in place of the shell (it gets the signals)."""
    lines = [shell_join(argv, (LEADER_ADDRESS, WORKER_INDEX)) for argv in commands]
    return ["sh", "-c", " && ".join([*lines[:-1], "exec " + lines[-1]])]


def container(plan: DeploymentPlan, role: str = "single") -> dict[str, Any]:
    """The engine's container: on one node the launch argv; across nodes the leader's commands
    (role "leader") or a worker's ("worker", which serves no HTTP and has no probes)."""
    c = plan.container
    out: dict[str, Any] = {"name": "engine", "image": plan.image}
    if role == "single":
        if not c.keeps_entrypoint:
            out["command"] = [plan.argv[0]]
        out["args"] = list(plan.args)
    else:
        commands = (
            plan.leader_argv(LEADER_ADDRESS, WORKER_INDEX)
            if role == "leader"
            else (plan.worker_argv(LEADER_ADDRESS, WORKER_INDEX),)
        )
        out["command"] = _script(commands)
    if c.workdir:
        out["workingDir"] = c.workdir
    env: list[dict[str, Any]] = [{"name": k, "value": v} for k, v in plan.env.items()]
    if c.hub_token:  # for gated models: `kubectl create secret generic hf-token --from-literal=token=...`
        env.append(
            {"name": "HF_TOKEN", "valueFrom": {"secretKeyRef": {"name": "hf-token", "key": "token", "optional": True}}}
        )
    if env:
        out["env"] = env
    if role != "worker":
        out["ports"] = [{"name": "http", "containerPort": c.port}]
    out["resources"] = resources(plan)
    out["volumeMounts"] = [{"name": VOLUME, "mountPath": c.cache_path}, {"name": SHM, "mountPath": "/dev/shm"}]
    if role != "worker":
        out["startupProbe"] = _probe(plan, STARTUP_PERIOD_S, math.ceil(plan.startup_s / STARTUP_PERIOD_S))
        out["readinessProbe"] = _probe(plan, 5, 3)
        out["livenessProbe"] = _probe(plan, 10, 3)
    return out


def pod_spec(plan: DeploymentPlan, role: str = "single") -> dict[str, Any]:
    """The pod: the engine's container, the model volume and /dev/shm."""
    return {
        "containers": [container(plan, role)],
        "volumes": [
            {"name": VOLUME, "persistentVolumeClaim": {"claimName": f"{plan.name}-models"}},
            {"name": SHM, "emptyDir": {"medium": "Memory", "sizeLimit": _gib(plan.shm_gib)}},
        ],
    }


def volume_claim(plan: DeploymentPlan) -> dict[str, Any]:
    """The model volume: one pod's (ReadWriteOnce), or shared by the pods of all nodes and
    copies (ReadWriteMany)."""
    access = "ReadWriteOnce" if plan.nodes == 1 and plan.replicas == 1 else "ReadWriteMany"
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": f"{plan.name}-models", "labels": labels(plan)},
        "spec": {"accessModes": [access], "resources": {"requests": {"storage": _gib(plan.volume_gib)}}},
    }


def manifests(plan: DeploymentPlan) -> list[dict[str, Any]]:
    """PersistentVolumeClaim, Deployment (a LeaderWorkerSet across nodes) and Service, as data."""
    if plan.nodes > 1:
        return leader_worker_set(plan)
    meta = {"name": plan.name, "labels": labels(plan)}
    selector = {"app.kubernetes.io/name": plan.name}
    pvc = volume_claim(plan)
    template_meta: dict[str, Any] = {"labels": labels(plan)}
    if pod_annotations(plan):
        template_meta["annotations"] = pod_annotations(plan)
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": meta,
        "spec": {
            "replicas": plan.replicas,
            "strategy": {"type": "Recreate"},  # the volume is ReadWriteOnce: the old pod lets go first
            "selector": {"matchLabels": selector},
            "template": {
                "metadata": template_meta,
                "spec": pod_spec(plan),
            },
        },
    }
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": meta,
        "spec": {
            "selector": selector,
            "ports": [{"name": "http", "port": plan.container.port, "targetPort": "http"}],
        },
    }
    return [pvc, deployment, service]


def leader_worker_set(plan: DeploymentPlan) -> list[dict[str, Any]]:
    """PersistentVolumeClaim (ReadWriteMany), LeaderWorkerSet and Service for a model on several nodes."""
    leader_labels = {**labels(plan), "role": "leader"}
    leader_meta: dict[str, Any] = {"labels": leader_labels}
    if pod_annotations(plan):
        leader_meta["annotations"] = pod_annotations(plan)
    lws = {
        "apiVersion": "leaderworkerset.x-k8s.io/v1",
        "kind": "LeaderWorkerSet",
        "metadata": {"name": plan.name, "labels": labels(plan)},
        "spec": {
            "replicas": plan.replicas,
            "leaderWorkerTemplate": {
                "size": plan.nodes,  # pods in the group, the leader included: one per node
                # A pod that fails takes its group down with it: the engine cannot lose a stage.
                "restartPolicy": "RecreateGroupOnPodRestart",
                "leaderTemplate": {"metadata": leader_meta, "spec": pod_spec(plan, "leader")},
                "workerTemplate": {"metadata": {"labels": labels(plan)}, "spec": pod_spec(plan, "worker")},
            },
        },
    }
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": plan.name, "labels": labels(plan)},
        "spec": {
            "selector": {LWS_NAME_LABEL: plan.name, "role": "leader"},
            "ports": [{"name": "http", "port": plan.container.port, "targetPort": "http"}],
        },
    }
    return [volume_claim(plan), lws, service]


def render(plan: DeploymentPlan) -> str:
    return dump(*manifests(plan))
