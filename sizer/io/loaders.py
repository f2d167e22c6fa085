"""The file reader: the shipped catalogs (package data), the user catalog and user YAML files.

A YAML file is read with a size limit (regular files only) and `yaml.SafeLoader` (or its C twin),
so a tag that would build a Python object is refused. Aliases and anchors are refused too: an
alias can expand a small file into billions of nodes ("billion laughs") or into a cycle, and no
sizer file needs one. The node tree is composed here from the parser's events, so nesting is
bounded before anything recurses. Validation errors name the file, the entry and the field.
The user catalog (`sizer catalog add`) lives in the user config directory (platformdirs), or in
$SIZER_CONFIG_DIR; its entries are merged over the shipped ones. The shipped catalogs, once
validated, are kept in the cache (sizer/io/cache.py) and read from there while their files,
sizer and the code that builds them stay the same.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import os
from collections import deque
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from sizer import __version__
from sizer.bounds import MAX_HOST_BYTES, MAX_NESTING, MAX_YAML_BYTES, echo
from sizer.core.catalog import Catalog, normalize
from sizer.errors import N_, CatalogError, InputError, Message
from sizer.io import cache
from sizer.io.files import read_bytes
from sizer.io.writing import locked, real_target, write_text
from sizer.models import (
    CostSettings,
    Currency,
    GpuSpec,
    Host,
    Interconnect,
    Interconnects,
    ModelSpec,
    Price,
    QuantLoss,
    UseCaseScores,
)

_T = TypeVar("_T", bound=BaseModel)

__all__ = ["MAX_HOST_BYTES", "MAX_YAML_BYTES"]  # the file limits, from sizer.bounds
_MAX_PROBLEMS = 3  # validation problems named in one message; the rest are counted


class _YamlRefused(Exception):
    """A document this reader will not build (alias, anchor, nesting); carries the 0-based line."""

    def __init__(self, line: int, message: Message) -> None:
        super().__init__(str(message))
        self.line = line
        self.message = message


@functools.cache
def _loader_class() -> Any:
    """The safe loader (C parser when available) with construction errors tied to their node.

    SafeConstructor raises bare ValueError or KeyError for values such as `2024-02-30`,
    `!!int zz`, `!!int ""` (IndexError) or `!!bool maybe`; they become a YAMLError that names the line.
    """
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class Loader(base):  # type: ignore[misc, valid-type]
        def construct_object(self, node: Any, deep: bool = False) -> Any:
            try:
                return super().construct_object(node, deep)
            except yaml.YAMLError:
                raise
            except (ValueError, TypeError, KeyError, IndexError, OverflowError, ArithmeticError) as exc:
                raise yaml.constructor.ConstructorError(
                    None, None, f"cannot read the value ({echo(exc)})", node.start_mark
                ) from None

    return Loader


def _new_node(loader: Any, event: Any) -> Any:
    """The node a scalar or collection-start event opens, its tag resolved as yaml's Composer does."""
    import yaml
    from yaml import events as ev

    start: Any = event.start_mark  # the C parser's marks are its own Mark type
    if isinstance(event, ev.ScalarEvent):
        tag = event.tag
        if tag is None or tag == "!":
            tag = loader.resolve(yaml.ScalarNode, event.value, event.implicit)
        end: Any = event.end_mark
        return yaml.ScalarNode(tag, event.value, start, end, style=event.style)
    kind = yaml.SequenceNode if isinstance(event, ev.SequenceStartEvent) else yaml.MappingNode
    tag = event.tag
    if tag is None or tag == "!":
        tag = loader.resolve(kind, None, event.implicit)
    return kind(tag, [], start, None, flow_style=event.flow_style)


def _attach(parent: Any, pending_key: list[Any], node: Any) -> None:
    """Add `node` to a sequence, or to a mapping as its pending key or as that key's value."""
    import yaml

    if isinstance(parent, yaml.SequenceNode):
        parent.value.append(node)
    elif pending_key:
        parent.value.append((pending_key.pop(), node))
    else:
        pending_key.append(node)


# The one wording for YAML nested past MAX_NESTING, whichever parser notices it first.
_TOO_DEEP = Message(N_("nested more than {most} levels deep"), most=MAX_NESTING)


def _compose(loader: Any) -> Any:
    """The one document's node tree, composed from the parser's events without recursion.

    yaml's own composer recurses once per nesting level (the C one crashes the interpreter on a
    deep enough file) and shares one node for every use of an anchor; here aliases and anchors
    are refused and nesting stops at MAX_NESTING.
    """
    from yaml import events as ev

    loader.get_event()  # stream start
    if loader.check_event(ev.StreamEndEvent):
        return None
    loader.get_event()  # document start
    root: Any = None
    stack: list[tuple[Any, list[Any]]] = []  # open collections, each with its pending mapping key
    while root is None or stack:
        event = loader.get_event()
        line = event.start_mark.line
        if isinstance(event, ev.AliasEvent):
            raise _YamlRefused(
                line, Message(N_("alias *{anchor} refused; write the value out in full"), anchor=echo(event.anchor, 40))
            )
        if getattr(event, "anchor", None) is not None:
            raise _YamlRefused(
                line,
                Message(N_("anchor &{anchor} refused; sizer files take no aliases"), anchor=echo(event.anchor, 40)),
            )
        if isinstance(event, ev.SequenceEndEvent | ev.MappingEndEvent) and stack:
            stack.pop()[0].end_mark = event.end_mark
            continue
        if not isinstance(event, ev.ScalarEvent | ev.SequenceStartEvent | ev.MappingStartEvent):
            raise _YamlRefused(
                line, Message(N_("unexpected {event}"), event=type(event).__name__)
            )  # the parser orders events
        node = _new_node(loader, event)
        if stack:
            _attach(*stack[-1], node)
        else:
            root = node
        if not isinstance(event, ev.ScalarEvent):
            if len(stack) >= MAX_NESTING:
                raise _YamlRefused(line, _TOO_DEEP)
            stack.append((node, []))
    loader.get_event()  # document end
    if not loader.check_event(ev.StreamEndEvent):
        raise _YamlRefused(
            loader.peek_event().start_mark.line, Message(N_("more than one document; a sizer file has one"))
        )
    return root


def _parse(text: str, origin: str) -> tuple[Any, Any]:
    """The data of YAML text and its node tree (for line numbers); errors name `origin` and the line."""
    import yaml

    loader = _loader_class()(text)
    try:
        node = _compose(loader)
        return (loader.construct_document(node) if node is not None else None), node
    except _YamlRefused as exc:
        raise InputError(
            N_("{origin}:{line}: invalid YAML: {detail}"), origin=origin, line=exc.line + 1, detail=exc.message
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        # libyaml's own limit (PyYAML >= 6.0.4 builds) says it first
        shown = _TOO_DEEP if "maximum nesting depth" in problem else echo(problem)
        raise InputError(
            N_("{origin}{where}: invalid YAML: {problem}"), origin=origin, where=where, problem=shown
        ) from None
    except RecursionError:  # cannot happen below MAX_NESTING; kept as the last line of defence
        raise InputError(N_("{origin}: invalid YAML: nested too deeply"), origin=origin) from None
    finally:
        loader.dispose()


def read_yaml(text: str, origin: str) -> Any:
    """Parse YAML text with the safe loader, refusing aliases; errors name `origin` and the line."""
    return _parse(text, origin)[0]


def _read_text(path: Path, limit: int, what: str) -> str:
    """A UTF-8 regular file of at most `limit` bytes (type and size checked before reading)."""
    try:
        return read_bytes(path, limit, what).decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(N_("{path}: not UTF-8 text"), path=path) from None


def read_yaml_file(path: Path) -> Any:
    """Read and parse a YAML file of bounded size."""
    return read_yaml(_read_text(path, MAX_YAML_BYTES, N_("YAML file")), str(path))


def _problems(errors: list[Any], show: Any) -> str:
    """The first few validation problems, '; '-joined, and how many more there are."""
    text = "; ".join(show(e) for e in errors[:_MAX_PROBLEMS])
    return text + (f" (and {len(errors) - _MAX_PROBLEMS} more)" if len(errors) > _MAX_PROBLEMS else "")


def describe_validation_error(exc: ValidationError, origin: str, prefix: str = "") -> str:
    """The problems of a validation error: 'file: entry.field: message'; untrusted names cut short."""

    def show(err: Any) -> str:
        loc = echo(".".join(str(p) for p in err["loc"]))
        where = f"{prefix}.{loc}" if prefix and loc else prefix or loc
        return f"{origin}: {where}: {echo(err['msg'])}"

    return _problems(exc.errors(), show)


def _location(loc: tuple[int | str, ...]) -> str:
    """pydantic's error location as a path: ('gpus', 0, 'memory_total_bytes') -> 'gpus[0].memory_total_bytes'."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _in_catalog(catalog: Catalog, *names: str | None) -> bool:
    for name in names:
        if name:
            try:
                catalog.gpu(name)
                return True
            except InputError:
                continue
    return False


def load_host(path: Path, catalog: Catalog | None = None) -> Host:
    """A hardware description (schema sizer.probe/1): `sizer probe --json` output or a hand-written
    JSON or YAML file. Each GPU needs only name and memory_total_bytes, plus bandwidth_bytes_per_s
    when `catalog` lacks its name. Errors name the file and the field, on one line."""
    text = _read_text(path, MAX_HOST_BYTES, N_("hardware file"))
    try:
        data = read_yaml(text, str(path)) if path.suffix.lower() in {".yaml", ".yml"} else json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            N_("{path}:{line}: invalid JSON: {detail}"), path=path, line=exc.lineno, detail=exc.msg
        ) from None
    except ValueError as exc:  # a bare ValueError: an integer of more than 4,300 digits
        raise InputError(N_("{path}: invalid JSON: {detail}"), path=path, detail=echo(exc)) from None
    except RecursionError:  # '[[[[…' a thousand deep: no probe document nests more than three levels
        raise InputError(N_("{path}: nested too deeply for a hardware file"), path=path) from None
    if not isinstance(data, dict):
        raise InputError(N_("{path}: expected a JSON object (a sizer.probe/1 document with a 'gpus' list)"), path=path)
    try:
        host = Host.model_validate(data)
    except ValidationError as exc:
        problems = _problems(exc.errors(), lambda e: f"{echo(_location(tuple(e['loc']))) or '(document)'}: {e['msg']}")
        raise InputError(N_("{path}: {problems}"), path=path, problems=problems) from None
    if catalog is not None:
        for i, gpu in enumerate(host.gpus):
            if gpu.bandwidth_bytes_per_s is None and not _in_catalog(catalog, gpu.catalog_id, gpu.name):
                raise InputError(
                    N_("{path}: gpus[{i}].bandwidth_bytes_per_s: required for a GPU the catalog lacks ({name})"),
                    path=path,
                    i=i,
                    name=echo(repr(gpu.name)),
                )
    return host


def _entries(data: Any, key: str, cls: type[_T], origin: str) -> list[_T]:
    if not isinstance(data, dict) or not isinstance(data.get(key), list):
        raise CatalogError(N_("{origin}: expected a mapping with a '{key}' list"), origin=origin, key=key)
    out = []
    for i, raw in enumerate(data[key]):
        name = echo(raw.get("id", f"#{i}")) if isinstance(raw, dict) else f"#{i}"
        try:
            out.append(cls.model_validate(raw))
        except ValidationError as exc:
            raise CatalogError(describe_validation_error(exc, origin, f"{key}[{name}]")) from None
    return out


def data_dir() -> Path:
    """The shipped catalogs: `sizer/data/` inside an installed wheel (hatch force-include), else the
    repository's top-level `data/` (a source checkout or an editable install)."""
    packaged = Path(str(resources.files("sizer"))) / "data"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parents[2] / "data"


def _shipped_text(filename: str) -> tuple[str, str]:
    return (data_dir() / filename).read_text(encoding="utf-8"), f"data/{filename}"


def _shipped_key(*filenames: str, code: tuple[str, ...] = ()) -> str | None:
    """The cache key of what is built from the shipped `filenames`: their bytes, the sizer and
    pydantic versions, and the source of the modules that define and build the entries (so that
    an edited checkout never reads entries an older one wrote; `code`: more such modules, as paths
    inside the package). None when a file cannot be read."""
    import pydantic

    package = Path(__file__).resolve().parents[1]
    sources = [package / "constants.py", Path(__file__).resolve(), *(package / c for c in code)]
    sources += sorted((package / "models").glob("*.py"))
    try:
        files = [p.read_bytes() for p in (*sources, *(data_dir() / f for f in filenames))]
    except OSError:
        return None
    return cache.cache_key([__version__.encode(), pydantic.VERSION.encode(), *files])


PRICES_FILE = "gpu_prices.yaml"
_PRICES_KEYS = {"prices", "awaiting_catalog"}


def read_prices(text: str, origin: str) -> dict[str, Price]:
    """The GPU prices file: `prices`, one price per GPU id (CatalogError names file, id and field).

    `awaiting_catalog` lists ids priced before their catalog entry exists; the loader reads only
    `prices` (tests/test_prices.py checks the two lists against the catalog).
    """
    data = read_yaml(text, origin)
    if not isinstance(data, dict) or not isinstance(data.get("prices"), dict):
        raise CatalogError(N_("{origin}: expected a mapping with a 'prices' mapping (GPU id: price)"), origin=origin)
    extra = sorted(str(k) for k in data if k not in _PRICES_KEYS)
    if extra:
        raise CatalogError(
            N_("{origin}: unknown top-level key {key!r} (expected prices, awaiting_catalog)"),
            origin=origin,
            key=echo(extra[0]),
        )
    out: dict[str, Price] = {}
    for gpu_id, raw in data["prices"].items():
        try:
            out[str(gpu_id)] = Price.model_validate(raw)
        except ValidationError as exc:
            raise CatalogError(describe_validation_error(exc, origin, f"prices[{echo(str(gpu_id))}]")) from None
    return out


def merge_prices(gpus: list[GpuSpec], prices: dict[str, Price], origin: str) -> list[GpuSpec]:
    """Each GPU with its price from the prices file. A price for an id the catalog lacks is left
    out (it may wait for a catalog entry); a GPU priced in both files is refused."""
    out = []
    for gpu in gpus:
        price = prices.get(gpu.id)
        if price is not None:
            if gpu.price is not None:
                raise CatalogError(
                    N_("{origin}: {gpu!r} is priced in the GPU catalog too; keep its price here only"),
                    origin=origin,
                    gpu=gpu.id,
                )
            gpu = gpu.model_copy(update={"price": price})
        out.append(gpu)
    return out


def catalog_from_yaml(
    models_text: str,
    gpus_text: str,
    models_origin: str,
    gpus_origin: str,
    quality: tuple[str, str] | None = None,
    quants: tuple[str, str] | None = None,
    prices: tuple[str, str] | None = None,
) -> Catalog:
    """Validate catalog YAML texts into a Catalog (CatalogError names file, entry and field).

    `quality` and `quants` are the texts and origins of the benchmark scores per model
    (model_quality.yaml) and the formats' measured losses (quant_quality.yaml), when given;
    `prices` those of the GPU prices (gpu_prices.yaml), merged into the GPU entries."""
    models = _entries(read_yaml(models_text, models_origin), "models", ModelSpec, models_origin)
    gpus = _entries(read_yaml(gpus_text, gpus_origin), "gpus", GpuSpec, gpus_origin)
    if prices is not None:
        gpus = merge_prices(gpus, read_prices(*prices), prices[1])
    if quality is not None:
        models = _with_scores(models, read_yaml(quality[0], quality[1]), quality[1])
    losses = _entries(read_yaml(*quants), "quants", QuantLoss, quants[1]) if quants is not None else []
    for kind, ids, origin in (
        (N_("model"), [m.id for m in models], models_origin),
        (N_("GPU"), [g.id for g in gpus], gpus_origin),
    ):
        seen: set[str] = set()
        for entry_id in ids:
            if entry_id in seen:
                raise CatalogError(
                    N_("{origin}: duplicate {kind} id {id!r}"), origin=origin, kind=Message(kind), id=entry_id
                )
            seen.add(entry_id)
    try:
        return Catalog(models=tuple(models), gpus=tuple(gpus), quant_losses=tuple(losses))
    except InputError as exc:
        raise CatalogError(exc.message) from None


def _with_scores(models: list[ModelSpec], data: Any, origin: str) -> list[ModelSpec]:
    """The models with their benchmark scores (data/model_quality.yaml: model id -> use case ->
    list of scores). An id the catalog does not hold is an error: a score filed under a name
    that matches nothing would silently be lost."""
    if not isinstance(data, dict) or not isinstance(data.get("models"), dict):
        raise CatalogError(N_("{origin}: expected a mapping with a 'models' mapping"), origin=origin)
    known = {m.id for m in models}
    scores: dict[str, tuple[UseCaseScores, ...]] = {}
    for model_id, uses in data["models"].items():
        if model_id not in known:
            raise CatalogError(
                N_("{origin}: models.{model_id}: not a catalog model id"), origin=origin, model_id=echo(str(model_id))
            )
        if not isinstance(uses, dict):
            raise CatalogError(
                N_("{origin}: models.{model_id}: expected a mapping of use case -> scores"),
                origin=origin,
                model_id=model_id,
            )
        try:
            scores[model_id] = tuple(
                UseCaseScores.model_validate({"use_case": u, "scores": e}) for u, e in uses.items()
            )
        except ValidationError as exc:
            raise CatalogError(describe_validation_error(exc, origin, f"models.{model_id}")) from None
    return [m.model_copy(update={"quality_by_use_case": scores[m.id]}) if m.id in scores else m for m in models]


def _line_map(root: Any) -> dict[str, int]:
    """1-based line of every mapping key and list item, by spec path ('workloads[0].context').

    Walks the composed tree once; it has no aliases, so each node is visited once.
    """
    import yaml

    lines: dict[str, int] = {}
    todo: deque[tuple[Any, str]] = deque([(root, "")] if root is not None else [])
    while todo:  # breadth first, in document order: of duplicate keys the last one wins, as in the data
        node, path = todo.popleft()
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    child = f"{path}.{key.value}" if path else str(key.value)
                    lines[child] = key.start_mark.line + 1
                    todo.append((value, child))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                child = f"{path}[{i}]"
                lines[child] = item.start_mark.line + 1
                todo.append((item, child))
    return lines


def _loc_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def line_of(lines: dict[str, int], path: str) -> int | None:
    """The line of `path` or of its nearest parent that the YAML has."""
    while path:
        if path in lines:
            return lines[path]
        cut = max(path.rfind("."), path.rfind("["))
        path = path[:cut] if cut > 0 else ""
    return None


def _spec_problem(err: Any) -> str | Message:
    """A spec validation problem's message: pydantic's own words, or the message a spec validator
    raised (a Message, carried to the output language with its values)."""
    raised = (err.get("ctx") or {}).get("error")
    if err.get("type") == "value_error" and isinstance(raised, ValueError) and raised.args:
        reason = raised.args[0]
        return Message(
            N_("Value error, {reason}"), reason=reason if isinstance(reason, Message) else Message(str(reason))
        )
    return echo(err["msg"])


def load_spec(path: Path) -> tuple[Any, dict[str, int]]:
    """A procurement spec file, validated, and the line of each spec path (for annotations)."""
    from sizer.core.spec import Spec

    data, root = _parse(_read_text(path, MAX_YAML_BYTES, N_("spec file")), str(path))
    lines = _line_map(root)
    if data is None:
        raise InputError(N_("{path}: empty file; a spec needs 'hardware' (or 'offers') and 'workloads'"), path=path)
    if not isinstance(data, dict):
        raise InputError(N_("{path}:1: a spec is a mapping with 'hardware' and 'workloads'"), path=path)
    try:
        return Spec.model_validate(data), lines
    except ValidationError as exc:
        err = exc.errors()[0]
        where = _loc_path(tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-"))))
        line = line_of(lines, where)
        more = Message(N_(" (and {count} more)"), count=len(exc.errors()) - 1) if len(exc.errors()) > 1 else ""
        shown = echo(where) or "spec"
        raise InputError(
            N_("{path}{line}: {field}: {detail}{more}"),
            path=path,
            line=f":{line}" if line else "",
            field=shown,
            detail=_spec_problem(err),
            more=more,
        ) from None


def _fields(raw: Any, cls: type[BaseModel]) -> dict[str, Any]:
    return {k: v for k, v in raw.items() if k in cls.model_fields} if isinstance(raw, dict) else {}


@functools.cache
def load_cost_settings(currency: str = "EUR") -> CostSettings:
    """Electricity, base system, cloud and API prices from data/costs.yaml, in `currency`
    (from the cache while the file is unchanged)."""
    want = Currency(currency)
    kind, key = f"costs-{want.value}", _shipped_key("costs.yaml")
    if key is not None:
        with contextlib.suppress(ValidationError):  # missing (None) or damaged: parse the YAML
            cached = CostSettings.model_validate(cache.read_entry(kind, key))
            if cached.currency is want:
                return cached
    settings = _parse_cost_settings(want)
    if key is not None:
        cache.write_entry(kind, key, settings.model_dump(mode="json", exclude_unset=True))
    return settings


def _parse_cost_settings(want: Currency) -> CostSettings:
    from sizer.models import ApiClass, ApiPrice, BaseSystem, CloudGpuPrice, ExchangeRates, Load

    text, origin = _shipped_text("costs.yaml")
    data = read_yaml(text, origin) or {}
    defaults = data.get("defaults", {})
    region = defaults.get("region", "DE")
    power = next(
        (e for e in data.get("electricity", []) if e.get("region") == region and e.get("kind") == "business"),
        None,
    )
    try:
        if power is None:
            raise KeyError(f"no business electricity price for region {region}")
        rates = ExchangeRates.model_validate(_fields(data["exchange_rates"], ExchangeRates))

        def to_want(amount: float, currency: str, what: str) -> float:
            value = rates.convert(amount, currency, want.value)
            if value is None:
                raise ValueError(f"{what}: no exchange rate for {currency}")
            return value

        systems = tuple(
            BaseSystem(
                name=b["class"],
                max_gpus=b["max_gpus"],
                price=to_want(b["price"]["amount"], b["price"]["currency"], f"base system {b['class']}"),
                power_w=b["power_w"],
            )
            for b in defaults["base_systems"]
        )
        settings = CostSettings(
            currency=want,
            kwh_price=to_want(power["price_per_kwh"], power["currency"], "electricity"),
            base_systems=systems,
            utilisation_frac=defaults["utilisation_frac"],
            amortisation_years=defaults["amortisation_years"],
            load=Load.model_validate(_fields(data["load"], Load)),
            exchange_rates=rates,
            cloud_gpu_hourly=tuple(
                CloudGpuPrice.model_validate(_fields(c, CloudGpuPrice)) for c in data.get("cloud_gpu_hourly", [])
            ),
            api_prices=tuple(
                ApiPrice.model_validate(_fields(p, ApiPrice)) for p in data.get("api_price_per_million_tokens", [])
            ),
            api_classes=tuple(
                ApiClass.model_validate(_fields(c, ApiClass)) for c in (data.get("api") or {}).get("classes", [])
            ),
        )
    except (ValidationError, KeyError, TypeError, ValueError) as exc:
        raise CatalogError(f"{origin}: {exc}".splitlines()[0]) from None
    return settings


INTERCONNECTS_FILE = "interconnects.yaml"


@functools.cache
def load_interconnects() -> Interconnects:
    """The links between nodes (data/interconnects.yaml) and the default one, validated."""
    text, origin = _shipped_text(INTERCONNECTS_FILE)
    return read_interconnects(text, origin)


def read_interconnects(text: str, origin: str) -> Interconnects:
    """An interconnect table from YAML text (`default:` and a `links:` list); CatalogError naming
    the file, entry and field where it does not validate."""
    data = read_yaml(text, origin)
    links = _entries(data, "links", Interconnect, origin)
    try:
        return Interconnects(default=data.get("default", ""), links=tuple(links))
    except ValidationError as exc:
        raise CatalogError(describe_validation_error(exc, origin)) from None


# The shipped files a Catalog is built from (all of them in its cache key).
SHIPPED_CATALOG_FILES = (
    "model_catalog.yaml",
    "gpu_catalog.yaml",
    "model_quality.yaml",
    "quant_quality.yaml",
    PRICES_FILE,
)


@functools.cache
def load_shipped_catalog() -> Catalog:
    """The catalogs shipped inside the package (data/*.yaml), validated (from the cache while the
    files are unchanged)."""
    key = _shipped_key(*SHIPPED_CATALOG_FILES)
    if key is not None:
        catalog = _cached_catalog(cache.read_bytes("catalog", key))
        if catalog is not None:
            return catalog
    models_text, models_origin = _shipped_text("model_catalog.yaml")
    gpus_text, gpus_origin = _shipped_text("gpu_catalog.yaml")
    quality, quants = _shipped_text("model_quality.yaml"), _shipped_text("quant_quality.yaml")
    prices = _shipped_text(PRICES_FILE)
    catalog = catalog_from_yaml(models_text, gpus_text, models_origin, gpus_origin, quality, quants, prices)
    if key is not None:
        entries = {
            "models": [m.model_dump(mode="json", exclude_unset=True) for m in catalog.models],
            "gpus": [g.model_dump(mode="json", exclude_unset=True) for g in catalog.gpus],
            "quant_losses": [q.model_dump(mode="json", exclude_unset=True) for q in catalog.quant_losses],
        }
        cache.write_entry("catalog", key, entries)
    return catalog


class _CatalogEntry(BaseModel):
    """The catalog cache's entry: each list validated as the YAML's entries are."""

    models: tuple[ModelSpec, ...]
    gpus: tuple[GpuSpec, ...]
    quant_losses: tuple[QuantLoss, ...]


def _cached_catalog(data: bytes | None) -> Catalog | None:
    """The Catalog a cache entry holds, validated as the YAML would be; None if it holds none.
    Parsed and validated in one pass (pydantic reads the JSON itself), half the time of parsing
    it first."""
    if data is None:
        return None
    try:
        entry = _CatalogEntry.model_validate_json(data)
        return Catalog(models=entry.models, gpus=entry.gpus, quant_losses=entry.quant_losses)
    except (ValidationError, InputError):  # not JSON, not an entry, or entries that clash
        return None


def load_catalog(warn: Callable[[str | Message], None] | None = None) -> Catalog:
    """The shipped catalogs plus the models the user added (`sizer catalog add`), user entries winning.

    A user catalog that cannot be read or does not validate raises CatalogError, or, with `warn`,
    is reported there once and left out: the shipped catalog still answers.
    """
    shipped = load_shipped_catalog()
    try:
        user = load_user_models()
        if not user:
            return shipped
        return Catalog(models=merge_models(shipped.models, user), gpus=shipped.gpus, quant_losses=shipped.quant_losses)
    except InputError as exc:
        named = str(user_models_path()) in str(exc)
        problem = exc.message if named else Message(N_("{path}: {error}"), path=str(user_models_path()), error=exc)
        if warn is None:
            raise CatalogError(N_("{problem}; {hint}"), problem=problem, hint=Message(REPAIR_HINT)) from None
        warn(
            Message(
                N_("{problem}; using the shipped catalog without your models; {hint}"),
                problem=problem,
                hint=Message(REPAIR_HINT),
            )
        )
        return shipped


USER_CONFIG_ENV = "SIZER_CONFIG_DIR"
USER_MODELS_FILE = "models.yaml"
REPAIR_HINT = N_("run `sizer catalog repair` to move it aside (it keeps your entries for you to fix)")
_USER_HEADER = "# sizer user catalog: models added with `sizer catalog add` (format: docs/catalog-format.md)\n"


def user_config_dir() -> Path:
    """Where sizer keeps user files: $SIZER_CONFIG_DIR, else the platform's config directory."""
    override = os.environ.get(USER_CONFIG_ENV)
    if override:
        return Path(override).expanduser()
    from platformdirs import user_config_dir as platform_dir

    return Path(platform_dir("sizer"))


def user_models_path() -> Path:
    """The user catalog file (it may not exist yet)."""
    return user_config_dir() / USER_MODELS_FILE


def load_user_models() -> list[ModelSpec]:
    """The models in the user catalog, validated; none when the file does not exist or is empty."""
    path = user_models_path()
    if not path.is_file():
        return []
    data = read_yaml_file(path)
    if data is None:
        return []
    models = _entries(data, "models", ModelSpec, str(path))
    seen: set[str] = set()
    for m in models:
        if m.id in seen:
            raise CatalogError(N_("{path}: duplicate model id {id!r}"), path=path, id=m.id)
        seen.add(m.id)
    return models


def _keys(m: ModelSpec) -> set[str]:
    return {normalize(n) for n in (m.id, m.name, *m.aliases, *([m.hf_repo] if m.hf_repo else []))} - {""}


def merge_models(shipped: tuple[ModelSpec, ...], user: list[ModelSpec]) -> tuple[ModelSpec, ...]:
    """User entries first; a shipped entry sharing a user entry's id or name is replaced, and one
    sharing only an alias or repo keeps its other names (the user's entry takes that one)."""
    taken = set().union(*(_keys(m) for m in user))
    out = list(user)
    for m in shipped:
        if normalize(m.id) in taken or normalize(m.name) in taken:
            continue
        aliases = tuple(a for a in m.aliases if normalize(a) not in taken)
        repo = m.hf_repo if m.hf_repo is None or normalize(m.hf_repo) not in taken else None
        out.append(
            m
            if (aliases, repo) == (m.aliases, m.hf_repo)
            else m.model_copy(update={"aliases": aliases, "hf_repo": repo})
        )
    return tuple(out)


def save_user_model(spec: ModelSpec) -> Path:
    """Add `spec` to the user catalog (replacing an entry with the same id); returns the file.

    The read-modify-write holds the file's lock, so concurrent adds keep every entry. A user
    catalog that does not load is refused, never overwritten: it holds the user's entries.
    """
    import yaml

    path = user_models_path()
    with locked(path):
        try:
            existing = load_user_models()
        except InputError as exc:
            raise CatalogError(N_("{error}; not adding to it; {hint}"), error=exc, hint=Message(REPAIR_HINT)) from None
        models = [m for m in existing if m.id != spec.id] + [spec]
        entries = [m.model_dump(mode="json", exclude_defaults=True) for m in models]
        text = _USER_HEADER + yaml.safe_dump({"models": entries}, sort_keys=False, allow_unicode=True)
        write_text(path, text)
    return path


def user_catalog_problem() -> str | None:
    """Why the user catalog does not load (one line), or None when it loads or does not exist."""
    try:
        load_catalog()
    except InputError as exc:
        return str(exc).removesuffix(f"; {REPAIR_HINT}")
    return None


def repair_user_catalog(now: dt.datetime) -> tuple[Path, str] | None:
    """Move a user catalog that does not load aside as `models.yaml.bad-YYYYMMDD-HHMMSS`.

    Returns where it went and what was wrong with it; None when there was nothing to repair.
    """
    path = user_models_path()
    with locked(path):
        problem = user_catalog_problem()
        if problem is None:
            return None
        target = real_target(path)
        moved = target.with_name(f"{target.name}.bad-{now:%Y%m%d-%H%M%S}")
        n = 1
        while moved.exists():  # two repairs within a second: keep both bad files
            moved = target.with_name(f"{target.name}.bad-{now:%Y%m%d-%H%M%S}-{n}")
            n += 1
        try:
            target.rename(moved)
        except OSError as exc:
            raise InputError(
                N_("{path}: cannot move it aside: {reason}"), path=path, reason=exc.strerror or exc
            ) from None
    return moved, problem
