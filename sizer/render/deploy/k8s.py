"""`--format k8s`: a Deployment, a Service and a PersistentVolumeClaim (apps/v1 and v1), with the
GPUs as device-plugin resources, probes on the engine's health endpoint and /dev/shm in memory."""

from __future__ import annotations

from typing import Any

from sizer.core.deploy import DeploymentPlan
from sizer.render.deploy import dump

FILE_NAME = "kubernetes.yaml"
VOLUME = "model-cache"
SHM = "dshm"
# The startup probe allows failure_threshold x period for a download and load: 20 minutes.
STARTUP_PERIOD_S = 10
STARTUP_FAILURES = 120


def _gib(n: int) -> str:
    return f"{n}Gi"


def resources(plan: DeploymentPlan) -> dict[str, Any]:
    """Requests and limits; a GPU resource must be set as a limit (and equal the request)."""
    return {
        "requests": {"cpu": str(plan.cpu_request), "memory": _gib(plan.memory_gib), plan.gpu_resource: plan.gpu_count},
        "limits": {plan.gpu_resource: plan.gpu_count},
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


def container(plan: DeploymentPlan) -> dict[str, Any]:
    c = plan.container
    out: dict[str, Any] = {"name": "engine", "image": plan.image}
    if not c.keeps_entrypoint:
        out["command"] = [plan.argv[0]]
    out["args"] = list(plan.args)
    if c.workdir:
        out["workingDir"] = c.workdir
    env: list[dict[str, Any]] = [{"name": k, "value": v} for k, v in plan.env.items()]
    if c.hub_token:  # for gated models: `kubectl create secret generic hf-token --from-literal=token=...`
        env.append(
            {"name": "HF_TOKEN", "valueFrom": {"secretKeyRef": {"name": "hf-token", "key": "token", "optional": True}}}
        )
    if env:
        out["env"] = env
    out["ports"] = [{"name": "http", "containerPort": c.port}]
    out["resources"] = resources(plan)
    out["volumeMounts"] = [{"name": VOLUME, "mountPath": c.cache_path}, {"name": SHM, "mountPath": "/dev/shm"}]
    out["startupProbe"] = _probe(plan, STARTUP_PERIOD_S, STARTUP_FAILURES)
    out["readinessProbe"] = _probe(plan, 5, 3)
    out["livenessProbe"] = _probe(plan, 10, 3)
    return out


def manifests(plan: DeploymentPlan) -> list[dict[str, Any]]:
    """PersistentVolumeClaim, Deployment and Service, as data."""
    meta = {"name": plan.name, "labels": labels(plan)}
    selector = {"app.kubernetes.io/name": plan.name}
    pvc = {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": f"{plan.name}-models", "labels": labels(plan)},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": _gib(plan.volume_gib)}}},
    }
    template_meta: dict[str, Any] = {"labels": labels(plan)}
    if pod_annotations(plan):
        template_meta["annotations"] = pod_annotations(plan)
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": meta,
        "spec": {
            "replicas": 1,
            "strategy": {"type": "Recreate"},  # the volume is ReadWriteOnce: the old pod lets go first
            "selector": {"matchLabels": selector},
            "template": {
                "metadata": template_meta,
                "spec": {
                    "containers": [container(plan)],
                    "volumes": [
                        {"name": VOLUME, "persistentVolumeClaim": {"claimName": f"{plan.name}-models"}},
                        {"name": SHM, "emptyDir": {"medium": "Memory", "sizeLimit": _gib(plan.shm_gib)}},
                    ],
                },
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


def render(plan: DeploymentPlan) -> str:
    return dump(*manifests(plan))
