"""Unit prices from the ``genai-prices`` package, looked up once per distinct price key.

A price key is (provider, model, UTC date, speed, service tier). For each key this module
produces one ``prices`` row per long-context tier (schema ``taskcost.schemas.prices``);
the warehouse joins requests to those rows in SQL, so no Python runs per request.

Rules, as providers bill and as ``genai_prices.calc_price`` computes:

- Date-effective: the price in force on the request's UTC date (genai-prices'
  ``StartDateConstraint``s). Time-of-day prices (DeepSeek off-peak) are evaluated at
  12:00 UTC of that date.
- Long context is a cliff, not a marginal rate: when a request's prompt (input + cache
  read + cache writes, our ``context_tokens``) exceeds a tier's start, all of its tokens
  pay that tier's rates.
- A token type without its own price is billed at its parent's: cache reads and writes
  at the input price, 1-hour writes at the (5-minute) cache-write price, reasoning at the
  output price.
- Request context: ``speed = fast`` selects fast-mode prices and ``service_tier`` =
  ``batch`` / ``flex`` / ``priority`` the matching variant. With no such variant the key
  is unpriced, except Anthropic ``priority`` (Anthropic bills Priority Tier by capacity
  commitment; the list price is the honest API-equivalent), which keeps the standard
  price. OpenAI bills priority processing (Codex "fast") per token at a premium: without
  a priority price it is unpriced, never shown at the cheaper standard rate.
- A model genai-prices does not know is unpriced, with the reason; never $0.

Overrides (``--prices FILE``, TOML) come first; see ``load_overrides`` for the format.
Nothing here fetches prices from the network: the snapshot bundled with the installed
genai-prices is the source, and its version is recorded with every price row.
"""

from __future__ import annotations

import fnmatch
import hashlib
import math
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from importlib.metadata import version as _pkg_version
from pathlib import Path
from typing import Any

from taskcost.errors import TaskcostError

#: price keys of genai-prices that map to our token columns (others are ignored)
PRICE_KEYS = (
    "input_mtok",
    "cache_read_mtok",
    "cache_write_mtok",
    "cache_write_5m_mtok",
    "cache_write_1h_mtok",
    "output_mtok",
    "output_reasoning_mtok",
    "web_searches_kcount",
    "requests_kcount",
)
RATE_COLUMNS = (
    "input_mtok",
    "cache_read_mtok",
    "cache_write_5m_mtok",
    "cache_write_1h_mtok",
    "output_mtok",
    "reasoning_mtok",
    "web_search_each",
    "request_each",
)


def load_price_list() -> Any:
    """The genai-prices snapshot bundled with the installed package (loaded once)."""
    from genai_prices import data_snapshot

    return data_snapshot.get_snapshot()


def genai_prices_version() -> str:
    return _pkg_version("genai-prices")


@dataclass(frozen=True)
class PriceKey:
    provider: str | None
    model: str | None
    price_date: date
    speed: str | None
    service_tier: str | None


@dataclass
class Override:
    index: int
    model: str
    provider: str | None = None
    speed: str | None = None
    service_tier: str | None = None
    start: date | None = None
    until: date | None = None
    multiplier: Decimal | None = None
    prices: dict[str, Any] = field(default_factory=dict)  # genai-prices price keys

    def matches(self, key: PriceKey) -> bool:
        if key.model is None or not fnmatch.fnmatchcase(key.model.lower(), self.model.lower()):
            return False
        if self.provider is not None and key.provider not in (None, self.provider):
            return False
        if self.speed is not None and key.speed != self.speed:
            return False
        if self.service_tier is not None and key.service_tier != self.service_tier:
            return False
        if self.start is not None and key.price_date < self.start:
            return False
        return not (self.until is not None and key.price_date > self.until)


@dataclass
class Overrides:
    path: str  # where the file came from: a label for price sources and messages
    sha256: str
    entries: list[Override]
    data: bytes  # the exact bytes parsed and hashed (what the warehouse keeps a copy of)

    def find(self, key: PriceKey) -> Override | None:
        return next((e for e in self.entries if e.matches(key)), None)


def load_overrides(path: str | Path, label: str | None = None) -> Overrides:
    """Read a ``--prices`` TOML file.

    Each ``[[price]]`` entry matches requests by ``model`` (exact id or a glob with ``*``
    and ``?``), and optionally ``provider``, ``speed``, ``service_tier`` and an inclusive
    UTC date range ``from`` / ``until``. The first matching entry wins. It then gives
    either ``multiplier`` (applied to every genai-prices rate: 0.8 for a 20% discount) or
    prices in genai-prices' units (``input_mtok`` and ``output_mtok`` required; a token
    type without a price pays its parent's, as in genai-prices): ``input_mtok``,
    ``output_mtok``, ``cache_read_mtok``,
    ``cache_write_mtok`` (5-minute writes), ``cache_write_1h_mtok``,
    ``output_reasoning_mtok`` (USD per million tokens), ``web_searches_kcount``,
    ``requests_kcount`` (USD per thousand). A long-context tier is a ``[[price.tier]]``
    table with ``start`` (prompt tokens) and the prices that replace the base ones for the
    whole request above it. ``label`` names the file in messages (default: ``path``).
    """
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as e:
        raise TaskcostError(f"cannot read prices file {path}: {e.strerror}") from None
    try:
        doc = tomllib.loads(data.decode())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise TaskcostError(f"prices file {path} is not valid TOML: {e}") from None
    unknown_top = set(doc) - {"price"}
    if unknown_top:
        raise TaskcostError(f"prices file {path}: unknown tables {sorted(unknown_top)} (expected [[price]])")
    if not isinstance(doc.get("price", []), list):
        raise TaskcostError(f"prices file {path}: `price` must be an array of tables, [[price]]")
    entries = []
    allowed = {
        "model",
        "provider",
        "speed",
        "service_tier",
        "from",
        "until",
        "multiplier",
        "tier",
        *PRICE_KEYS,
    }
    for n, raw in enumerate(doc.get("price", []), start=1):
        where = f"{path} [[price]] #{n}"
        unknown = set(raw) - allowed
        if unknown:
            raise TaskcostError(f"{where}: unknown keys {sorted(unknown)}")
        if "model" not in raw:
            raise TaskcostError(f"{where}: `model` is required")
        for key in ("model", "provider", "speed", "service_tier"):
            if key in raw and not isinstance(raw[key], str):
                raise TaskcostError(f"{where}: `{key}` must be a string")
        prices = {k: _decimal(raw[k], where, k) for k in PRICE_KEYS if k in raw}
        multiplier = _decimal(raw["multiplier"], where, "multiplier") if "multiplier" in raw else None
        if (multiplier is None) == (not prices):
            raise TaskcostError(f"{where}: give either `multiplier` or prices such as `input_mtok`, not both")
        if prices and not {"input_mtok", "output_mtok"} <= prices.keys():
            # a missing price would make those tokens free: say it, do not assume it
            raise TaskcostError(f"{where}: explicit prices need at least `input_mtok` and `output_mtok`")
        tiers = raw.get("tier", [])
        if not isinstance(tiers, list) or not all(isinstance(t, dict) for t in tiers):
            raise TaskcostError(f"{where}: tiers are an array of tables, [[price.tier]]")
        for t in tiers:
            start = t.get("start")
            if not isinstance(start, int) or isinstance(start, bool) or start < 0:
                raise TaskcostError(f"{where}: each [[price.tier]] needs a non-negative integer `start`")
            for k, v in t.items():
                if k == "start":
                    continue
                if k not in prices:
                    raise TaskcostError(f"{where}: tier price `{k}` has no base price")
                prices.setdefault(f"_tiers_{k}", []).append((start, _decimal(v, where, k)))
        start_date, until = _date(raw.get("from"), where), _date(raw.get("until"), where)
        if start_date and until and start_date > until:
            raise TaskcostError(f"{where}: `from` is after `until`")
        entries.append(
            Override(
                index=n,
                model=raw["model"],
                provider=raw.get("provider"),
                speed=raw.get("speed"),
                service_tier=raw.get("service_tier"),
                start=start_date,
                until=until,
                multiplier=multiplier,
                prices=prices,
            )
        )
    return Overrides(label or str(p), hashlib.sha256(data).hexdigest(), entries, data)


def _decimal(v: Any, where: str, key: str) -> Decimal:
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) or v < 0:
        raise TaskcostError(f"{where}: `{key}` must be a finite, non-negative number")
    return Decimal(str(v))


def _date(v: Any, where: str) -> date | None:
    if v is None or (isinstance(v, date) and not isinstance(v, datetime)):
        return v
    raise TaskcostError(f"{where}: dates must be TOML dates like 2026-01-31")


def fingerprint(overrides: Overrides | None) -> str:
    """Identifies the price configuration; a change re-prices the warehouse."""
    return f"genai-prices {genai_prices_version()}; overrides {overrides.sha256 if overrides else '-'}"


# --- resolution ---


@dataclass
class Resolved:
    """The prices of one key: tier rows of rates, and where they came from."""

    rows: list[dict[str, Any]]
    matched_provider: str | None
    matched_model: str | None
    price_source: str
    unpriced_reason: str | None
    notes: list[str] = field(default_factory=list)


def _context(key: PriceKey) -> dict[str, str]:
    ctx = {}
    if key.speed == "fast":
        ctx["speed"] = "fast"
    tier = (key.service_tier or "").lower()
    if tier == "batch":
        ctx["processing"] = "batch"
    elif tier in ("priority", "flex", "fast"):
        ctx["service_tier"] = tier
    return ctx


def _variant_matches(model: Any, when_ts: datetime, ctx: dict[str, str]) -> bool:
    for v in model.price_variants or ():
        if v.constraint is not None and not v.constraint.active(when_ts):
            continue
        if all(ctx.get(k) == val for k, val in v.when.items()):
            return True
    return False


def resolve(key: PriceKey, overrides: Overrides | None = None) -> Resolved:
    """The prices that apply to requests with this key."""
    from genai_prices import types

    when_ts = datetime.combine(key.price_date, time(12, 0), tzinfo=UTC)
    entry = overrides.find(key) if overrides else None
    source = f"genai-prices {genai_prices_version()}"

    if entry is not None and entry.multiplier is None:
        mp = _model_price_from_override(entry, types)
        where = f"{overrides.path}#{entry.index}" if overrides else "override"
        return Resolved(_tier_rows(mp, types), key.provider, entry.model, where, None)

    if key.model is None:
        return Resolved([], None, None, source, "no model id in the log")
    snap = load_price_list()
    try:
        provider, model = snap.find_provider_model(key.model, None, key.provider, None)
    except LookupError as e:
        return Resolved([], None, None, source, f"genai-prices has no price: {e}")
    ctx = _context(key)
    notes = []
    if ctx and not _variant_matches(model, when_ts, ctx):
        if ctx.get("service_tier") == "priority" and provider.id == "anthropic":
            notes.append("no Priority Tier price: list (standard) price used")
            ctx = {}
        else:
            wanted = ", ".join(f"{k}={v}" for k, v in ctx.items())
            return Resolved(
                [],
                provider.id,
                model.id,
                source,
                f"genai-prices has no {wanted} price for {model.id} on {key.price_date}",
            )
    mp = model.get_prices(when_ts, ctx or None)
    if entry is not None:
        assert entry.multiplier is not None and overrides is not None
        mp = _scaled(mp, entry.multiplier, types)
        source = f"{source} × {entry.multiplier} ({overrides.path}#{entry.index})"
    return Resolved(_tier_rows(mp, types), provider.id, model.id, source, None, notes)


def _model_price_from_override(entry: Override, types: Any) -> Any:
    kwargs = {}
    for k in PRICE_KEYS:
        if k not in entry.prices:
            continue
        tiers = entry.prices.get(f"_tiers_{k}")
        if tiers:
            kwargs[k] = types.TieredPrices(
                base=entry.prices[k], tiers=[types.Tier(start=s, price=p) for s, p in tiers]
            )
        else:
            kwargs[k] = entry.prices[k]
    return types.ModelPrice(**kwargs)


def _scaled(mp: Any, m: Decimal, types: Any) -> Any:
    kwargs = {}
    for k in PRICE_KEYS:
        v = getattr(mp, k, None)
        if isinstance(v, types.TieredPrices):
            kwargs[k] = types.TieredPrices(
                base=v.base * m, tiers=[types.Tier(start=t.start, price=t.price * m) for t in v.tiers]
            )
        elif v is not None:
            kwargs[k] = v * m
    return types.ModelPrice(**kwargs)


def _tier_rows(mp: Any, types: Any) -> list[dict[str, Any]]:
    """One row of rates per tier (base first), with genai-prices' fallbacks applied."""
    values = {k: getattr(mp, k, None) for k in PRICE_KEYS}
    starts = sorted({t.start for v in values.values() if isinstance(v, types.TieredPrices) for t in v.tiers})
    bounds = [-1, *starts]
    rows = []
    for n, start in enumerate(bounds):

        def at(k: str, start: int = start) -> Decimal | None:
            v = values[k]
            if isinstance(v, types.TieredPrices):
                price = v.base
                for t in v.tiers:
                    if t.start <= start:
                        price = t.price
                return price
            return v

        inp = at("input_mtok")
        write = at("cache_write_mtok")
        out = at("output_mtok")
        rows.append(
            {
                "tier_start": start,
                "tier_end": bounds[n + 1] if n + 1 < len(bounds) else None,
                "input_mtok": _f(inp),
                "cache_read_mtok": _f(_first(at("cache_read_mtok"), inp)),
                "cache_write_5m_mtok": _f(_first(at("cache_write_5m_mtok"), write, inp)),
                "cache_write_1h_mtok": _f(_first(at("cache_write_1h_mtok"), write, inp)),
                "output_mtok": _f(out),
                "reasoning_mtok": _f(_first(at("output_reasoning_mtok"), out)),
                "web_search_each": _f(at("web_searches_kcount"), 1000),
                "request_each": _f(at("requests_kcount"), 1000),
            }
        )
    return rows


def _first(*vals: Decimal | None) -> Decimal | None:
    return next((v for v in vals if v is not None), None)


def _f(v: Decimal | None, per: int = 1) -> float:
    # a unit genai-prices has no price for costs nothing there; the same here
    return float(v / per) if v is not None else 0.0


def price_table(keys: list[PriceKey], overrides: Overrides | None) -> Any:
    """The ``prices`` rows (a pyarrow Table) for ``keys``."""
    import pyarrow as pa

    from taskcost.schemas import TABLES

    rows = []
    for key in keys:
        r = resolve(key, overrides)
        base = {
            "provider": key.provider,
            "model": key.model,
            "price_date": key.price_date,
            "speed": key.speed,
            "service_tier": key.service_tier,
            "matched_provider": r.matched_provider,
            "matched_model": r.matched_model,
            "price_source": r.price_source + "".join(f"; {n}" for n in r.notes),
            "unpriced_reason": r.unpriced_reason,
        }
        if r.unpriced_reason:
            rows.append({**base, "tier_start": -1, "tier_end": None, **dict.fromkeys(RATE_COLUMNS)})
        else:
            rows.extend({**base, **tier} for tier in r.rows)
    return pa.Table.from_pylist(rows, schema=TABLES["prices"])
