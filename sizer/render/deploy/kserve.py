"""`--format kserve`: an InferenceService (serving.kserve.io/v1beta1) on KServe's Hugging Face
runtime, which serves LLMs with vLLM and passes vLLM's flags through
(https://kserve.github.io/website/docs/model-serving/storage/providers/hf).

Across nodes KServe's multi-node runtime starts the Ray cluster itself: the tensor- and
pipeline-parallel sizes go in `workerSpec` (not as flags, which it refuses), the InferenceService
runs as a raw deployment, and the model is read from a ReadWriteMany volume that a Job fills from
the Hub first (https://kserve.github.io/website/docs/model-serving/generative-inference/multi-node)."""

from __future__ import annotations

from typing import Any

from sizer.core.deploy import DeploymentPlan
from sizer.render.deploy import dump, server_args
from sizer.render.deploy.k8s import labels, resources, volume_claim

FILE_NAME = "inferenceservice.yaml"
# The flags workerSpec carries across nodes.
WORKER_SPEC = {"--tensor-parallel-size": "tensorParallelSize", "--pipeline-parallel-size": "pipelineParallelSize"}
# Where KServe mounts a pvc:// storage URI, and so where the Job puts the files.
MOUNT = "/mnt/models"


def manifest(plan: DeploymentPlan) -> dict[str, Any]:
    # Across nodes workerSpec carries the parallel sizes; the runtime names the model from storageUri.
    args = server_args(plan, without=() if plan.nodes == 1 else tuple(WORKER_SPEC))
    model: dict[str, Any] = {
        "modelFormat": {"name": "huggingface"},
        "args": [f"--model_name={plan.model_id}", *args],
        "storageUri": f"hf://{plan.model_ref}" if plan.nodes == 1 else f"pvc://{plan.name}-models/{plan.model_ref}",
        "resources": resources(plan),
    }
    predictor: dict[str, Any] = {"model": model}
    if plan.replicas > 1:  # a fixed number of copies, not KServe's autoscaling
        predictor["minReplicas"] = predictor["maxReplicas"] = plan.replicas
    meta: dict[str, Any] = {"name": plan.name}
    if plan.nodes > 1:
        predictor["workerSpec"] = {
            "tensorParallelSize": plan.tensor_parallel,
            "pipelineParallelSize": plan.pipeline_parallel,
        }
        meta["annotations"] = {"serving.kserve.io/deploymentMode": "RawDeployment"}
    return {
        "apiVersion": "serving.kserve.io/v1beta1",
        "kind": "InferenceService",
        "metadata": meta,
        "spec": {"predictor": predictor},
    }


def download_job(plan: DeploymentPlan) -> dict[str, Any]:
    """A Job that puts the model's files from the Hub into the shared volume, once, with the
    engine image's `hf` command (huggingface_hub)."""
    container = {
        "name": "download",
        "image": plan.image,
        "command": ["hf", "download", plan.model_ref, "--local-dir", f"{MOUNT}/{plan.model_ref}"],
        "env": [
            {"name": "HF_TOKEN", "valueFrom": {"secretKeyRef": {"name": "hf-token", "key": "token", "optional": True}}}
        ],
        "volumeMounts": [{"name": "models", "mountPath": MOUNT}],
    }
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": f"{plan.name}-download", "labels": labels(plan)},
        "spec": {
            "backoffLimit": 3,
            "template": {
                "spec": {
                    "restartPolicy": "OnFailure",
                    "containers": [container],
                    "volumes": [{"name": "models", "persistentVolumeClaim": {"claimName": f"{plan.name}-models"}}],
                }
            },
        },
    }


def render(plan: DeploymentPlan) -> str:
    if plan.nodes == 1:
        return dump(manifest(plan))
    return dump(volume_claim(plan), download_job(plan), manifest(plan))
