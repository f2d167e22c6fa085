"""`--format compose`: a Compose file (https://docs.docker.com/reference/compose-file/) with GPU
device reservations, a volume for the model cache and the engine's command."""

from __future__ import annotations

from typing import Any

from sizer.core.deploy import DeploymentPlan
from sizer.models import Vendor
from sizer.render.deploy import dump

FILE_NAME = "compose.yaml"
VOLUME = "model-cache"


def _gpu_access(plan: DeploymentPlan) -> dict[str, Any]:
    """NVIDIA: a device reservation (https://docs.docker.com/compose/how-tos/gpu-support/); AMD:
    the ROCm device files (https://rocm.docs.amd.com/projects/install-on-linux/en/latest/how-to/docker.html)."""
    if plan.vendor is Vendor.AMD:
        return {"devices": ["/dev/kfd", "/dev/dri"], "group_add": ["video"]}
    device = {"driver": "nvidia", "count": plan.gpu_count, "capabilities": ["gpu"]}
    return {"deploy": {"resources": {"reservations": {"devices": [device]}}}}


def manifest(plan: DeploymentPlan) -> dict[str, Any]:
    """The Compose document as data."""
    c = plan.container
    service: dict[str, Any] = {"image": plan.image}
    if not c.keeps_entrypoint:
        service["entrypoint"] = [plan.argv[0]]
    service["command"] = list(plan.args)
    if c.workdir:
        service["working_dir"] = c.workdir
    env = dict(plan.env)
    if c.hub_token:
        env["HF_TOKEN"] = "${HF_TOKEN:-}"  # from the shell that runs compose, for gated models
    if env:
        service["environment"] = env
    service["ports"] = [f"{c.port}:{c.port}"]
    if c.shares_memory:
        service["ipc"] = "host"
    else:
        service["shm_size"] = f"{plan.shm_gib}gb"
    # A model file the engine reads from disk (llama-server -m) sits in ./models beside the file;
    # engines that download keep their cache in a named volume.
    service["volumes"] = [f"./models:{c.cache_path}" if plan.local_file else f"{VOLUME}:{c.cache_path}"]
    service.update(_gpu_access(plan))
    service["healthcheck"] = {
        "test": ["CMD", *c.health_command],
        "interval": "30s",
        "timeout": "10s",
        "retries": 3,
        "start_period": f"{plan.startup_s}s",  # download and load before failed checks count
    }
    service["restart"] = "unless-stopped"
    doc: dict[str, Any] = {"name": plan.name, "services": {plan.name: service}}
    if not plan.local_file:
        doc["volumes"] = {VOLUME: {}}
    return doc


def render(plan: DeploymentPlan) -> str:
    return dump(manifest(plan))
