"""The Hugging Face Hub: config.json through the local cache, parameter counts from safetensors headers.

huggingface_hub is imported inside the functions (it is slow to import). It keeps its usual cache
(HF_HUB_CACHE / HF_HOME), honours HF_HUB_OFFLINE=1 and uses the user's token for gated and
private repos. No weights are downloaded: get_safetensors_metadata reads the file headers only.
"""

from __future__ import annotations

from pathlib import Path

from sizer.errors import HubError


def _where(repo_id: str, revision: str | None) -> str:
    return f"{repo_id}@{revision}" if revision else repo_id


def download_config(repo_id: str, revision: str | None = None) -> Path:
    """The local path of a repo's config.json (cached; fetched if online and not cached yet)."""
    from huggingface_hub import errors as hf
    from huggingface_hub import hf_hub_download

    where = _where(repo_id, revision)
    try:
        return Path(hf_hub_download(repo_id, "config.json", revision=revision))
    except hf.LocalEntryNotFoundError:
        raise HubError(
            f"{where}: config.json is not in the local Hugging Face cache and the Hub cannot be reached "
            "(offline?); run once with network access, or pass a local model directory"
        ) from None
    except hf.GatedRepoError:
        raise HubError(
            f"{where}: gated repository; accept its terms on huggingface.co and log in (hf auth login or HF_TOKEN)"
        ) from None
    except hf.RevisionNotFoundError:
        raise HubError(f"{where}: no such revision on the Hugging Face Hub") from None
    except hf.RepositoryNotFoundError:
        raise HubError(f"{where}: no such model on the Hugging Face Hub (or it is private: log in first)") from None
    except hf.EntryNotFoundError:
        raise HubError(f"{where}: the repository has no config.json") from None
    except hf.HFValidationError as exc:
        raise HubError(f"{where}: not a valid repo id ({str(exc).splitlines()[0]})") from None
    except Exception as exc:  # network and HTTP failures of every kind
        raise HubError(f"{where}: Hub request failed: {type(exc).__name__}: {str(exc).splitlines()[0]}") from None


def safetensors_parameter_counts(repo_id: str, revision: str | None = None) -> tuple[dict[str, int] | None, str | None]:
    """Parameters per dtype from the repo's safetensors headers, or None and the reason why not."""
    from huggingface_hub import HfApi, constants
    from huggingface_hub import errors as hf

    where = _where(repo_id, revision)
    fallback = "parameters counted from config.json"
    if constants.HF_HUB_OFFLINE:
        return None, f"{where}: offline, so no safetensors metadata; {fallback}"
    try:
        meta = HfApi().get_safetensors_metadata(repo_id, revision=revision)
    except hf.NotASafetensorsRepoError:
        return None, f"{where}: no safetensors weights; {fallback}"
    except Exception as exc:  # offline, HTTP or parse failures: the config still sizes the model
        return None, f"{where}: safetensors metadata unavailable ({type(exc).__name__}); {fallback}"
    return {str(k): int(v) for k, v in meta.parameter_count.items()}, None
