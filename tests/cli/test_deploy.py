"""`sizer deploy`: each format carries the values `estimate` sized, validates against what its
project documents, and bad input is one line with exit 2."""

from __future__ import annotations

import json
import math
import shlex
import subprocess

import pytest
import yaml
from typer.testing import CliRunner

from sizer.cli.app import app
from sizer.units import GiB

runner = CliRunner()
GPU = "H100 SXM"
# Kubernetes version the manifests are validated against (kubernetes-validate ships its schemas).
K8S_VERSION = "1.34"
ENGINES = ("llama.cpp", "ollama", "vllm", "sglang", "tensorrt-llm")
# The modelSpec[] keys the production-stack chart documents, read from its helm/values.yaml
# (https://github.com/vllm-project/production-stack/blob/main/helm/values.yaml, 2026-12-02).
CHART_MODEL_KEYS = {
    "name", "enabled", "annotations", "podAnnotations", "serviceAccountName", "priorityClassName",
    "runtimeClassName", "repository", "tag", "imagePullSecret", "modelURL", "chatTemplate", "replicaCount",
    "resources", "requestCPU", "requestMemory", "requestGPU", "requestGPUType", "limitCPU", "limitMemory",
    "pvcStorage", "pvcAccessMode", "storageClass", "pvcMatchLabels", "extraVolumes", "extraVolumeMounts",
    "initContainer", "vllmConfig", "lmcacheConfig", "hf_token", "env", "nodeSelectorTerms", "shmSize",
    "enableLoRA", "tolerations", "affinity",
}  # fmt: skip
CHART_VLLM_KEYS = {
    "v0", "enablePrefixCaching", "enableChunkedPrefill", "maxModelLen", "dtype", "tensorParallelSize",
    "maxNumSeqs", "maxLoras", "gpuMemoryUtilization", "extraArgs",
}  # fmt: skip


def deploy(*args: str):
    return runner.invoke(app, ["deploy", *args], catch_exceptions=False)


def manifest(*args: str) -> tuple[list, str]:
    result = deploy(*args)
    assert result.exit_code == 0, result.output
    return list(yaml.safe_load_all(result.stdout)), result.stderr


def flag(args: list[str], name: str) -> str:
    return args[args.index(name) + 1]


def sized(*args: str) -> dict:
    result = runner.invoke(app, ["estimate", *args, "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


VLLM = ("llama-3.1-8b", "--gpu", GPU, "--gpus", "2", "--engine", "vllm", "--context", "8192")


def _engine_args(fmt: str) -> list[str]:
    """The engine's arguments as each format carries them."""
    docs, _ = manifest(*VLLM, "--users", "16", "--format", fmt)
    if fmt == "compose":
        (service,) = docs[0]["services"].values()
        return [*service["entrypoint"], *service["command"]]
    if fmt == "k8s":
        (c,) = next(d for d in docs if d["kind"] == "Deployment")["spec"]["template"]["spec"]["containers"]
        return [*c["command"], *c["args"]]
    if fmt == "kserve":
        return docs[0]["spec"]["predictor"]["model"]["args"]
    if fmt == "helm":
        cfg = docs[0]["servingEngineSpec"]["modelSpec"][0]["vllmConfig"]
        return [
            "--tensor-parallel-size",
            str(cfg["tensorParallelSize"]),
            "--max-model-len",
            str(cfg["maxModelLen"]),
            *cfg["extraArgs"],
        ]
    result = deploy(*VLLM, "--users", "16", "--format", "shell")
    return result.stdout.split()


@pytest.mark.parametrize("fmt", ["compose", "k8s", "helm", "kserve", "shell"])
def test_engine_arguments_are_the_sized_values(fmt):
    est = sized(*VLLM, "--batch", "16")
    args = _engine_args(fmt)
    # By hand: 2 GPUs, 8192 tokens, 16 sequences, vLLM's 0.9 share; and what estimate sized.
    assert flag(args, "--tensor-parallel-size") == "2" == str(est["gpu_count"])
    assert flag(args, "--max-model-len") == "8192" == str(est["context"])
    assert flag(args, "--max-num-seqs") == "16" == str(est["batch"])
    assert flag(args, "--gpu-memory-utilization") == "0.9"


def _validate(doc: dict) -> None:
    import kubernetes_validate

    try:
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)
    except kubernetes_validate.ValidationError as err:
        pytest.fail(f"{doc['kind']}: {err.message} at {list(err.path)}")


@pytest.mark.parametrize("engine", ENGINES)
def test_every_k8s_manifest_validates(engine):
    quant = () if engine in ("vllm", "sglang", "tensorrt-llm") else ("--quant", "Q4_K_M")
    docs, err = manifest("llama-3.1-8b", "--gpu", GPU, "--engine", engine, *quant, "--format", "k8s")
    assert [d["kind"] for d in docs] == ["PersistentVolumeClaim", "Deployment", "Service"]
    for doc in docs:
        _validate(doc)
    (c,) = docs[1]["spec"]["template"]["spec"]["containers"]
    assert c["resources"]["limits"] == {"nvidia.com/gpu": 1}
    assert c["readinessProbe"]["httpGet"]["path"] == ("/" if engine == "ollama" else "/health")
    assert "kubectl apply -f" in err


def test_k8s_on_amd_asks_for_amd_gpus_and_validates():
    docs, _ = manifest("llama-3.1-8b", "--gpu", "MI300X", "--gpus", "2", "--engine", "vllm", "--format", "k8s")
    for doc in docs:
        _validate(doc)
    (c,) = docs[1]["spec"]["template"]["spec"]["containers"]
    assert c["resources"]["limits"] == {"amd.com/gpu": 2}
    assert "rocm" in c["image"]


def test_model_volume_is_a_fifth_more_than_the_weights():
    docs, _ = manifest("llama-3.1-8b", "--gpu", GPU, "--engine", "vllm", "--format", "k8s")
    # Llama 3.1 8B: 8.03e9 parameters at 2 bytes = 16.06e9 bytes; x 1.2 = 19.3e9 = 17.9 GiB -> 18Gi.
    assert docs[0]["spec"]["resources"]["requests"]["storage"] == "18Gi"
    weights = sized("llama-3.1-8b", "--gpu", GPU, "--engine", "vllm")["memory_bytes"]["weights"]
    assert math.ceil(1.2 * weights / GiB) == 18


@pytest.mark.parametrize("engine", ENGINES[:4])
def test_compose_structure(engine):
    quant = () if engine in ("vllm", "sglang") else ("--quant", "Q4_K_M")
    docs, err = manifest("llama-3.1-8b", "--gpu", GPU, "--engine", engine, *quant, "--format", "compose")
    (doc,) = docs
    (service,) = doc["services"].values()
    (device,) = service["deploy"]["resources"]["reservations"]["devices"]
    assert device == {"driver": "nvidia", "count": 1, "capabilities": ["gpu"]}
    volume, path = service["volumes"][0].split(":")
    assert volume in doc["volumes"]
    if engine == "llama.cpp":  # -hf downloads into the volume
        assert service["environment"]["LLAMA_CACHE"] == path == "/models"
    port = {"llama.cpp": 8080, "ollama": 11434, "vllm": 8000, "sglang": 30000}[engine]
    assert service["ports"] == [f"{port}:{port}"]
    assert path.startswith("/")
    assert (service.get("ipc") == "host") == (engine in ("vllm", "sglang"))
    assert service["healthcheck"]["test"][0] == "CMD"
    assert "docker compose" in err and "up -d" in err


def test_ollama_compose_serves_and_says_how_to_pull():
    docs, err = manifest("llama-3.1-8b", "--gpu", GPU, "--engine", "ollama", "--context", "8192", "--format", "compose")
    (service,) = docs[0]["services"].values()
    assert service["command"] == ["serve"]
    assert service["environment"]["OLLAMA_CONTEXT_LENGTH"] == "8192"
    assert "ollama pull" in err


def test_kserve_has_the_documented_fields():
    (doc,), _ = manifest("llama-3.1-8b", "--gpu", GPU, "--engine", "vllm", "--format", "kserve")
    assert (doc["apiVersion"], doc["kind"]) == ("serving.kserve.io/v1beta1", "InferenceService")
    model = doc["spec"]["predictor"]["model"]
    assert model["modelFormat"] == {"name": "huggingface"}
    assert model["storageUri"] == "hf://meta-llama/Llama-3.1-8B-Instruct"
    assert model["args"][0] == "--model_name=llama-3.1-8b"
    assert model["resources"]["limits"] == {"nvidia.com/gpu": 1}


def test_helm_values_use_only_keys_the_chart_documents():
    (doc,), err = manifest(*VLLM, "--format", "helm")
    (spec,) = doc["servingEngineSpec"]["modelSpec"]
    assert set(spec) <= CHART_MODEL_KEYS
    assert set(spec["vllmConfig"]) <= CHART_VLLM_KEYS
    assert (spec["repository"], spec["modelURL"], spec["requestGPU"]) == (
        "vllm/vllm-openai",
        "meta-llama/Llama-3.1-8B-Instruct",
        2,
    )
    assert spec["vllmConfig"]["dtype"] == "bfloat16"
    assert "helm install" in err


def test_out_writes_and_refuses_to_overwrite(tmp_path):
    args = ("llama-3.1-8b", "--gpu", GPU, "--format", "compose", "--out", str(tmp_path))
    result = deploy(*args)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert yaml.safe_load((tmp_path / "compose.yaml").read_text())["services"]
    again = deploy(*args)
    assert again.exit_code == 2 and "--force" in again.stderr
    assert deploy(*args, "--force").exit_code == 0


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--engine", "ollama", "--format", "helm"), "--engine vllm"),
        (("--engine", "ollama", "--format", "kserve"), "--engine vllm"),
        (("--nodes", "2", "--format", "compose"), "need --format k8s, kserve, shell"),
        (("--nodes", "2", "--engine", "tensorrt-llm", "--format", "k8s"), "--engine vllm or sglang"),
        (("--nodes", "2", "--engine", "llama.cpp", "--quant", "Q4_K_M", "--format", "k8s"), "one node"),
        (("--gpus", "16", "--format", "k8s"), "--gpus 8 --nodes 2"),
        (("--gpus", "3", "--format", "k8s"), "use 1, 2, 4 or 8"),
        (("--quant", "BF16", "--context", "131072", "--users", "64", "--format", "k8s"), "does not fit"),
        (("--format", "nomad"), "choose compose"),
        (("--gpu", "Apple M2 Max", "--engine", "llama.cpp", "--format", "compose"), "NVIDIA and AMD"),
    ],
)
def test_bad_input_is_one_line_exit_2(args, words):
    base = ["llama-3.3-70b", "--engine", "vllm"] if "--gpu" in args else ["llama-3.3-70b", "--gpu", GPU]
    result = deploy(*base, *args)
    assert result.exit_code == 2, result.output
    assert words in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_model_ref_reads_the_engine_own_flag():
    from sizer.core.deploy import model_ref
    from sizer.models import Engine, LaunchSpec

    sglang = LaunchSpec(argv=("python", "-m", "sglang.launch_server", "--model-path", "org/model", "--tp", "1"))
    assert model_ref(Engine.SGLANG, sglang, "fallback") == "org/model"
    assert model_ref(Engine.VLLM, LaunchSpec(argv=("vllm", "serve", "org/m", "--tp", "2")), "x") == "org/m"
    assert model_ref(Engine.LLAMA_CPP, LaunchSpec(argv=("llama-server", "-hf", "o/m-GGUF:Q4_K_M")), "x") == (
        "o/m-GGUF:Q4_K_M"
    )


# --- across nodes ---------------------------------------------------------------------------------

NODES = ("llama-3.1-405b", "--gpu", GPU, "--gpus", "8", "--nodes", "2", "--quant", "FP8", "--context", "8192")


def _pod(template: dict) -> dict:
    """A pod template as the Pod it becomes, for the Kubernetes schema."""
    return {"apiVersion": "v1", "kind": "Pod", "metadata": template["metadata"], "spec": template["spec"]}


@pytest.mark.parametrize("engine", ["vllm", "sglang"])
def test_two_nodes_on_k8s_is_a_leader_worker_set_that_validates(engine):
    docs, err = manifest(*NODES, "--engine", engine, "--users", "4", "--format", "k8s")
    assert [d["kind"] for d in docs] == ["PersistentVolumeClaim", "LeaderWorkerSet", "Service"]
    pvc, lws, service = docs
    _validate(pvc)
    _validate(service)
    assert pvc["spec"]["accessModes"] == ["ReadWriteMany"]  # both nodes' pods mount it
    assert (lws["apiVersion"], lws["spec"]["replicas"]) == ("leaderworkerset.x-k8s.io/v1", 1)
    group = lws["spec"]["leaderWorkerTemplate"]
    # The fields LeaderWorkerSet's API documents (https://lws.sigs.k8s.io/docs/reference/leaderworkerset.v1/).
    assert set(group) <= {"leaderTemplate", "workerTemplate", "size", "restartPolicy", "subGroupPolicy"}
    assert group["size"] == 2
    for role in ("leaderTemplate", "workerTemplate"):
        _validate(_pod(group[role]))
        (c,) = group[role]["spec"]["containers"]
        assert c["resources"]["limits"] == {"nvidia.com/gpu": 8}  # one node's GPUs per pod
    leader = group["leaderTemplate"]
    # The Service reaches the leader: its labels, plus the one LeaderWorkerSet puts on every pod.
    selector = dict(service["spec"]["selector"])
    assert selector.pop("leaderworkerset.sigs.k8s.io/name") == lws["metadata"]["name"]
    assert selector.items() <= leader["metadata"]["labels"].items()
    assert "role" in selector and "role" not in group["workerTemplate"]["metadata"]["labels"]
    (c,) = leader["spec"]["containers"]
    assert c["command"][:2] == ["sh", "-c"] and c["readinessProbe"]["httpGet"]["path"] == "/health"
    assert "LeaderWorkerSet controller" in err


def _leader_server(engine: str, fmt: str) -> list[str]:
    docs, _ = manifest(*NODES, "--engine", engine, "--users", "4", "--format", fmt)
    if fmt == "k8s":
        (c,) = docs[1]["spec"]["leaderWorkerTemplate"]["leaderTemplate"]["spec"]["containers"]
        script = c["command"][2]
    else:
        result = deploy(*NODES, "--engine", engine, "--users", "4", "--format", "shell")
        script = result.stdout.split("exec ", 1)[1]
    return shlex.split(script.split("&& exec ")[-1].splitlines()[0])


@pytest.mark.parametrize(
    ("engine", "fmt"), [("vllm", "k8s"), ("vllm", "shell"), ("sglang", "k8s"), ("sglang", "shell")]
)
def test_the_leader_runs_the_sized_values(engine, fmt):
    est = sized(*NODES, "--engine", engine, "--batch", "4")
    args = _leader_server(engine, fmt)
    # By hand: 2 nodes of 8 GPUs: tensor parallel 8 in a node, pipeline parallel 2 across; and estimate's layout.
    tp, pp = ("--tensor-parallel-size", "--pipeline-parallel-size") if engine == "vllm" else ("--tp", "--pp-size")
    assert flag(args, tp) == "8" == str(est["layout"]["tensor_parallel"])
    assert flag(args, pp) == "2" == str(est["layout"]["pipeline_parallel"])
    assert flag(args, "--max-model-len" if engine == "vllm" else "--context-length") == "8192"
    if engine == "vllm":
        assert flag(args, "--distributed-executor-backend") == "ray"
    else:
        assert flag(args, "--nnodes") == "2"


def test_kserve_across_nodes_puts_the_layout_in_worker_spec():
    docs, err = manifest(*NODES, "--engine", "vllm", "--format", "kserve")
    assert [d["kind"] for d in docs] == ["PersistentVolumeClaim", "Job", "InferenceService"]
    pvc, job, isvc = docs
    _validate(pvc)
    _validate(job)
    est = sized(*NODES, "--engine", "vllm")
    predictor = isvc["spec"]["predictor"]
    assert predictor["workerSpec"] == {
        "tensorParallelSize": est["layout"]["tensor_parallel"],
        "pipelineParallelSize": est["layout"]["pipeline_parallel"],
    }
    args = predictor["model"]["args"]
    # KServe refuses the parallel sizes as flags; the other sized values stay flags.
    assert "--tensor-parallel-size" not in args and "--pipeline-parallel-size" not in args
    assert flag(args, "--max-model-len") == "8192"
    # The InferenceService reads the files where the Job puts them: pvc://CLAIM/PATH is CLAIM at /mnt/models.
    claim, path = predictor["model"]["storageUri"].removeprefix("pvc://").split("/", 1)
    assert claim == pvc["metadata"]["name"]
    (download,) = job["spec"]["template"]["spec"]["containers"]
    assert flag(download["command"], "--local-dir") == f"/mnt/models/{path}"
    assert "kubectl wait" in err


def test_the_node_script_runs_each_node_part(tmp_path):
    """The script under a real shell, with stand-ins for ray and vllm that log their arguments."""
    result = deploy(*NODES, "--engine", "vllm", "--format", "shell")
    assert result.exit_code == 0, result.output
    script = tmp_path / "run.sh"
    script.write_text(result.stdout)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "log"
    for name in ("ray", "vllm"):
        stub = bin_dir / name
        stub.write_text(f'#!/bin/sh\necho {name} "$@" >> {log}\n')
        stub.chmod(0o755)
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin"}
    for rank in ("0", "1"):
        done = subprocess.run(["sh", str(script), rank, "10.0.0.7"], env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    first, serve, worker = log.read_text().splitlines()
    assert first == "ray start --head --port=6379"
    assert serve.startswith("vllm serve meta-llama/") and "--pipeline-parallel-size 2" in serve
    assert worker == "ray start --address=10.0.0.7:6379 --block"
    missing = subprocess.run(["sh", str(script)], env=env, capture_output=True, text=True)
    assert missing.returncode != 0  # no rank: it stops before starting anything


def test_replicas_are_copies_behind_one_service_in_every_kubernetes_format():
    base = (*VLLM, "--users", "16", "--replicas", "3")
    docs, err = manifest(*base, "--format", "k8s")
    for doc in docs:
        _validate(doc)
    pvc, dep, svc = docs
    assert dep["spec"]["replicas"] == 3 and pvc["spec"]["accessModes"] == ["ReadWriteMany"]
    assert svc["spec"]["selector"].items() <= dep["spec"]["template"]["metadata"]["labels"].items()
    # Each copy is the setup sized for --users: the replicas do not change one copy's knobs.
    (c,) = dep["spec"]["template"]["spec"]["containers"]
    assert flag(c["args"], "--max-num-seqs") == "16" and c["resources"]["limits"] == {"nvidia.com/gpu": 2}
    assert "3 copies" in err
    (values,), _ = manifest(*base, "--format", "helm")
    (spec,) = values["servingEngineSpec"]["modelSpec"]
    assert spec["replicaCount"] == 3 and spec["pvcAccessMode"] == ["ReadWriteMany"]
    (isvc,), _ = manifest(*base, "--format", "kserve")
    assert isvc["spec"]["predictor"]["minReplicas"] == isvc["spec"]["predictor"]["maxReplicas"] == 3
    shell = deploy(*base, "--format", "shell")
    assert shell.exit_code == 0 and "each of 3 servers" in shell.stderr
    one, _ = manifest(*VLLM, "--format", "k8s")
    assert one[1]["spec"]["replicas"] == 1 and one[0]["spec"]["accessModes"] == ["ReadWriteOnce"]
