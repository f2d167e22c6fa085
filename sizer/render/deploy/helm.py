"""`--format helm`: values for the vLLM production-stack chart
(https://github.com/vllm-project/production-stack, helm/values.yaml: servingEngineSpec.modelSpec[])."""

from __future__ import annotations

from typing import Any

from sizer.core.deploy import DeploymentPlan
from sizer.models import Vendor
from sizer.render.deploy import dump, server_args

FILE_NAME = "values.yaml"
# The launch flags the chart sets from vllmConfig keys of its own; every other flag goes to extraArgs.
MAPPED = {"--tensor-parallel-size": "tensorParallelSize", "--max-model-len": "maxModelLen"}
# vLLM's --dtype for the 16-bit formats; "auto" takes the checkpoint's own.
DTYPES = {"BF16": "bfloat16", "F16": "float16", "FP16": "float16"}


def values(plan: DeploymentPlan) -> dict[str, Any]:
    repository, tag = plan.image.rsplit(":", 1)
    spec: dict[str, Any] = {
        "name": plan.name,
        "repository": repository,
        "tag": tag,
        "modelURL": plan.model_ref,
        "replicaCount": plan.replicas,
        "requestCPU": plan.cpu_request,
        "requestMemory": f"{plan.memory_gib}Gi",
        "requestGPU": plan.gpu_count,
        "pvcStorage": f"{plan.volume_gib}Gi",
        "shmSize": f"{plan.shm_gib}Gi",
        "vllmConfig": {
            "tensorParallelSize": plan.tensor_parallel,
            "maxModelLen": plan.max_model_len,
            "dtype": DTYPES.get(plan.weight_format.upper(), "auto"),
            "extraArgs": server_args(plan, without=tuple(MAPPED)),
        },
    }
    if plan.replicas > 1:  # every replica mounts the one model volume
        spec["pvcAccessMode"] = ["ReadWriteMany"]
    if plan.vendor is not Vendor.NVIDIA:
        spec["requestGPUType"] = plan.gpu_resource
    return {"servingEngineSpec": {"modelSpec": [spec]}}


def render(plan: DeploymentPlan) -> str:
    return dump(values(plan))
