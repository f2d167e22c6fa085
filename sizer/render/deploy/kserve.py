"""`--format kserve`: an InferenceService (serving.kserve.io/v1beta1) on KServe's Hugging Face
runtime, which serves LLMs with vLLM and passes vLLM's flags through
(https://kserve.github.io/website/docs/model-serving/storage/providers/hf)."""

from __future__ import annotations

from typing import Any

from sizer.core.deploy import DeploymentPlan
from sizer.render.deploy import dump
from sizer.render.deploy.k8s import resources

FILE_NAME = "inferenceservice.yaml"


def engine_args(plan: DeploymentPlan) -> list[str]:
    """The launch argv after `vllm serve MODEL` (the runtime names the model from storageUri)."""
    argv = list(plan.launch.argv)
    return argv[argv.index(plan.model_ref) + 1 :] if plan.model_ref in argv else argv[2:]


def manifest(plan: DeploymentPlan) -> dict[str, Any]:
    return {
        "apiVersion": "serving.kserve.io/v1beta1",
        "kind": "InferenceService",
        "metadata": {"name": plan.name},
        "spec": {
            "predictor": {
                "model": {
                    "modelFormat": {"name": "huggingface"},
                    "args": [f"--model_name={plan.model_id}", *engine_args(plan)],
                    "storageUri": f"hf://{plan.model_ref}",
                    "resources": resources(plan),
                }
            }
        },
    }


def render(plan: DeploymentPlan) -> str:
    return dump(manifest(plan))
