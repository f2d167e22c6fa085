"""The Hugging Face Hub: config.json through the local cache, parameter counts from safetensors headers.

huggingface_hub is imported inside the functions (it is slow to import). It keeps its usual cache
(HF_HUB_CACHE / HF_HOME), honours HF_HUB_OFFLINE=1 and HF_ENDPOINT, and uses the user's token for
gated and private repos. No weights are downloaded: get_safetensors_metadata reads the file
headers only.

Without a network sizer answers at once: one TCP connection to the endpoint (or the proxy that
reaches it), bounded by CONNECT_TIMEOUT_S, decides whether the Hub is there at all, and if not
only the local cache is read. Each Hub call then has HUB_TIMEOUT_S in all, retries included, so
an endpoint that accepts and never answers costs seconds, not minutes. huggingface_hub's own
retry warnings and progress bars are silenced: sizer says what failed in one line.
"""

from __future__ import annotations

import logging
import socket
import threading
import urllib.request
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

from sizer.errors import N_, HubError, Message

_T = TypeVar("_T")

# A TCP handshake with the Hub (or a proxy) takes well under 0.3 s on any working link; no
# answer within 1 s is no route, and leaves room under the 2 s an offline failure may take.
CONNECT_TIMEOUT_S = 1.0
# A config.json or a safetensors header is a few KB: 10 s in all is a slow link, not a dead one.
HUB_TIMEOUT_S = 10.0
# Each HTTP request's own timeout, inside that budget.
_REQUEST_TIMEOUT_S = 5.0


def _quiet() -> None:
    """Silence huggingface_hub's retry warnings ('Retrying in 1s [Retry 1/5]') and progress bars."""
    from huggingface_hub.utils.tqdm import disable_progress_bars

    logging.getLogger("huggingface_hub").setLevel(logging.ERROR)  # its retry messages are warnings
    with warnings.catch_warnings():  # it warns when HF_HUB_DISABLE_PROGRESS_BARS=0 forbids this
        warnings.simplefilter("ignore")
        disable_progress_bars()


def _first_hop(endpoint: str) -> tuple[str, int] | None:
    """Host and port a request to `endpoint` connects to first: the endpoint, or its proxy."""
    url = urlsplit(endpoint)
    if not url.hostname:
        return None
    proxy = urllib.request.getproxies().get(url.scheme) or urllib.request.getproxies().get("all")
    if proxy and not urllib.request.proxy_bypass(url.hostname):
        hop = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
        if hop.hostname:
            return hop.hostname, hop.port or (443 if hop.scheme == "https" else 80)
    return url.hostname, url.port or (443 if url.scheme == "https" else 80)


def reachable(endpoint: str, timeout_s: float | None = None) -> bool:
    """Whether a TCP connection to `endpoint` (or its proxy) opens within `timeout_s`, DNS included."""
    hop = _first_hop(endpoint)
    if hop is None:
        return True  # not a URL sizer can test; the library reports what is wrong with it
    limit = CONNECT_TIMEOUT_S if timeout_s is None else timeout_s
    outcome: list[bool] = []

    def connect() -> None:
        try:
            with socket.create_connection(hop, timeout=limit):
                outcome.append(True)
        except OSError:  # no DNS, no route, refused, timed out
            outcome.append(False)

    worker = threading.Thread(target=connect, name="sizer-hub-probe", daemon=True)
    worker.start()
    worker.join(limit)  # getaddrinfo has no timeout of its own
    return bool(outcome and outcome[0])


def _bounded(call: Callable[[], _T], where: str, endpoint: str) -> _T:
    """`call()` in a daemon thread given HUB_TIMEOUT_S; its exception is raised here."""
    box: list[tuple[bool, object]] = []

    def run() -> None:
        try:
            box.append((True, call()))
        except BaseException as exc:  # handed to the caller; nothing may escape the thread
            box.append((False, exc))

    worker = threading.Thread(target=run, name="sizer-hub", daemon=True)
    worker.start()
    worker.join(HUB_TIMEOUT_S)
    if not box:
        raise HubError(
            N_(
                "{where}: {endpoint} did not answer within {seconds:g} s; try again later, or set "
                "HF_HUB_OFFLINE=1 to use only the local Hugging Face cache"
            ),
            where=where,
            endpoint=endpoint,
            seconds=HUB_TIMEOUT_S,
        )
    ok, value = box[0]
    if not ok:
        raise value  # type: ignore[misc]
    return value  # type: ignore[return-value]


def _where(repo_id: str, revision: str | None) -> str:
    return f"{repo_id}@{revision}" if revision else repo_id


def download_config(repo_id: str, revision: str | None = None) -> Path:
    """The local path of a repo's config.json (cached; fetched if online and not cached yet)."""
    from huggingface_hub import constants, hf_hub_download
    from huggingface_hub import errors as hf

    _quiet()
    where = _where(repo_id, revision)
    endpoint = constants.ENDPOINT
    local_only = bool(constants.HF_HUB_OFFLINE) or not reachable(endpoint)
    try:
        return Path(
            _bounded(
                lambda: hf_hub_download(
                    repo_id,
                    "config.json",
                    revision=revision,
                    endpoint=endpoint,
                    etag_timeout=_REQUEST_TIMEOUT_S,
                    local_files_only=local_only,
                ),
                where,
                endpoint,
            )
        )
    except hf.LocalEntryNotFoundError:
        raise HubError(
            N_(
                "{where}: config.json is not in the local Hugging Face cache and the Hub cannot be reached "
                "(offline?); run once with network access, or pass a local model directory"
            ),
            where=where,
        ) from None
    except hf.GatedRepoError:
        raise HubError(
            N_("{where}: gated repository; accept its terms on huggingface.co and log in (hf auth login or HF_TOKEN)"),
            where=where,
        ) from None
    except hf.RevisionNotFoundError:
        raise HubError(N_("{where}: no such revision on the Hugging Face Hub"), where=where) from None
    except hf.RepositoryNotFoundError:
        raise HubError(
            N_("{where}: no such model on the Hugging Face Hub (or it is private: log in first)"), where=where
        ) from None
    except hf.EntryNotFoundError:
        raise HubError(N_("{where}: the repository has no config.json"), where=where) from None
    except hf.HFValidationError as exc:
        raise HubError(
            N_("{where}: not a valid repo id ({detail})"), where=where, detail=str(exc).splitlines()[0]
        ) from None
    except HubError:
        raise
    except Exception as exc:  # network and HTTP failures of every kind
        raise HubError(
            N_("{where}: Hub request failed: {error}: {detail}"),
            where=where,
            error=type(exc).__name__,
            detail=str(exc).splitlines()[0],
        ) from None


def safetensors_parameter_counts(
    repo_id: str, revision: str | None = None
) -> tuple[dict[str, int] | None, Message | None]:
    """Parameters per dtype from the repo's safetensors headers, or None and the reason why not."""
    from huggingface_hub import HfApi, constants
    from huggingface_hub import errors as hf

    _quiet()
    where = _where(repo_id, revision)
    endpoint = constants.ENDPOINT
    if constants.HF_HUB_OFFLINE or not reachable(endpoint):
        return None, Message(
            N_("{where}: offline, so no safetensors metadata; parameters counted from config.json"), where=where
        )
    api = HfApi(endpoint=endpoint)
    try:
        meta = _bounded(
            lambda: api.get_safetensors_metadata(repo_id, revision=revision),
            where,
            endpoint,
        )
    except hf.NotASafetensorsRepoError:
        return None, Message(N_("{where}: no safetensors weights; parameters counted from config.json"), where=where)
    except HubError:
        return None, Message(
            N_(
                "{where}: safetensors metadata unavailable (no answer within {seconds:g} s); "
                "parameters counted from config.json"
            ),
            where=where,
            seconds=HUB_TIMEOUT_S,
        )
    except Exception as exc:  # offline, HTTP or parse failures: the config still sizes the model
        return None, Message(
            N_("{where}: safetensors metadata unavailable ({error}); parameters counted from config.json"),
            where=where,
            error=type(exc).__name__,
        )
    return {str(k): int(v) for k, v in meta.parameter_count.items()}, None
