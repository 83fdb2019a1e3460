"""OpenAI organization exports: the Usage API (completions) and the Costs API.

Where the files live
    Wherever the team's admin saves them: the JSON responses of
    ``GET /v1/organization/usage/completions`` and ``GET /v1/organization/costs``, one
    page per file (``{"object": "page", "data": [bucket, …]}``), or the bare list of
    buckets a script concatenated from its pages (as in OpenAI's cookbook). No default
    location; folders are searched recursively for ``*.json``. Each file is a document:
    read whole, and again whole when it changes.

Records used
    Each result of each bucket (``start_time``/``end_time``, Unix seconds):
    ``organization.usage.completions.result`` -> one ``org_usage`` row,
    ``organization.costs.result`` -> one ``org_cost`` row. Other result objects (the
    embeddings, images, audio usage endpoints) are skipped as ``unknown_line_type``; an
    empty bucket (``results: []``) gives no row. The first bucket starts at the requested
    second and the last ends at download time: both can be partial.

Token mapping
    OpenAI ``input_tokens`` includes cached input: ``input_tokens`` (ours, uncached) =
    ``input_tokens - input_cached_tokens``, ``cache_read_tokens`` =
    ``input_cached_tokens``; no cache writes; ``output_tokens`` as is (reasoning
    included); ``requests`` = ``num_model_requests``; web searches are not reported
    (null). ``batch: true`` is the ``batch`` service tier. Costs: ``amount.value`` is
    already dollars. The model of a cost row is the part of ``line_item`` before
    ``", "`` when it has no space (``"gpt-5.3-codex, cached input"``); the rest is the
    ``token_type``. A line item like ``"web search tool calls"`` has no model.

Dedupe
    As for every export (see ``taskcost.schemas.org``): one row per slot (report, bucket
    width, aligned bucket start, grouping and the row's dimension values), keeping the
    copy whose bucket spans the longest time, then the newest ingest. A partial first
    bucket (14:05 to midnight) and a later full download of that day share a slot; the
    full day wins.

Known gaps
    Only the completions usage endpoint is read (Codex and agent traffic is there);
    the other usage endpoints are reported as unknown results. Cache-write tokens of the
    newest usage schema are not split out (no field name verified yet).
"""

from __future__ import annotations

import re
from typing import Any

from taskcost.ingest import _export as ex
from taskcost.ingest._base import Chunk, ChunkResult, Rows, Skips, utc_time

NAME = "openai_admin"
BUCKET = re.compile(rb'"object"\s*:\s*"bucket"')
USAGE = "organization.usage.completions.result"
COST = "organization.costs.result"
USAGE_DIMS = ("project_id", "user_id", "api_key_id", "model", "batch", "service_tier")
COST_DIMS = ("line_item", "project_id")


class _Page:
    def __init__(self, chunk: Chunk, rows: Rows) -> None:
        self.chunk, self.rows, self.skips = chunk, rows, Skips()

    def parse(self) -> ChunkResult:
        buckets, lines = ex.read_page(self.chunk, self.skips)
        if buckets is None:
            return ex.done(self.chunk, lines, self.skips)
        spans, results = [], []
        for n, b in enumerate(buckets):
            ok = isinstance(b, dict) and isinstance(b.get("results"), list)
            start = utc_time(b.get("start_time")) if ok else None
            end = utc_time(b.get("end_time")) if ok else None
            if start is None or end is None or end <= start:
                why = "a bucket needs start_time, end_time and results"
                self.skips.add("missing_field", 0, f"data[{n}]: {why}")
                continue
            spans.append(end - start)
            for k, r in enumerate(b["results"]):
                where = f"data[{n}].results[{k}]"
                kind = r.get("object") if isinstance(r, dict) else None
                if kind in (USAGE, COST):
                    results.append((start, end, where, r))
                else:
                    self.skips.add("unknown_line_type", 0, f"{where}: {kind or 'not a result object'}")
        width, size = ex.width_of(spans)
        usage = [x for x in results if x[3]["object"] == USAGE]
        cost = [x for x in results if x[3]["object"] == COST]
        ex.each_result(
            self, usage, lambda r: {k: r.get(k) for k in USAGE_DIMS if k in r}, self.usage_row, width, size
        )
        ex.each_result(
            self, cost, lambda r: {k: r.get(k) for k in COST_DIMS if k in r}, self.cost_row, width, size
        )
        return ex.done(self.chunk, lines, self.skips)

    def usage_row(
        self, r: dict[str, Any], group: dict[str, Any], grouping: str, span: Any, where: str
    ) -> None:
        total_in = ex.count(r.get("input_tokens"))
        out = ex.count(r.get("output_tokens"))
        cached = ex.count(r.get("input_cached_tokens", 0))
        if total_in is None or out is None or cached is None:
            self.skips.add("missing_field", 0, f"{where}: no valid input_tokens, output_tokens or cached")
            return
        cached = min(cached, total_in)
        batch = group.get("batch")
        if batch is not None and not isinstance(batch, bool):
            raise ValueError(f"batch = {batch!r}, not true or false")
        tier = "batch" if batch is True else ex.text(group.get("service_tier"))
        (start, end), width = span
        self.rows.bucket(
            "org_usage",
            **ex.slot_columns(self.chunk, "completions_usage", (start, end), width, grouping, group),
            provider="openai",
            model=ex.text(group.get("model")),
            workspace_id=ex.text(group.get("project_id")),
            api_key_id=ex.text(group.get("api_key_id")),
            service_tier=tier,
            context_window=None,
            input_tokens=total_in - cached,
            cache_read_tokens=cached,
            cache_write_5m_tokens=0,
            cache_write_1h_tokens=0,
            output_tokens=out,
            web_search_requests=None,
            requests=ex.count(r.get("num_model_requests")),
        )

    def cost_row(
        self, r: dict[str, Any], group: dict[str, Any], grouping: str, span: Any, where: str
    ) -> None:
        amount = r.get("amount") if isinstance(r.get("amount"), dict) else {}
        raw = amount.get("value")
        value = ex.amount(raw) if isinstance(raw, int | float) else None
        if value is None:
            self.skips.add("missing_field", 0, f"{where}: amount.value {raw!r} is not a finite number")
            return
        if str(amount.get("currency", "usd")).lower() != "usd":
            self.skips.add("unexpected_shape", 0, f"{where}: currency {amount.get('currency')}, not USD")
            return
        item = ex.text(group.get("line_item"))
        model, token_type = _model_of(item)
        (start, end), width = span
        self.rows.bucket(
            "org_cost",
            **ex.slot_columns(self.chunk, "costs", (start, end), width, grouping, group),
            provider="openai",
            model=model,
            workspace_id=ex.text(group.get("project_id")),
            line_item=item,
            cost_type=None,
            token_type=token_type,
            service_tier=None,
            context_window=None,
            amount_usd=float(value),
        )


def _model_of(line_item: Any) -> tuple[str | None, str | None]:
    """(model, token type) of a cost line item such as ``"gpt-5.3-codex, cached input"``."""
    if not isinstance(line_item, str) or ", " not in line_item:
        return None, None
    model, rest = line_item.split(", ", 1)
    if not model or " " in model:
        return None, None
    return model, rest


class OpenAIAdmin:
    name = NAME
    description = "OpenAI organization exports (JSON pages): completions Usage API, Costs API"
    splittable = False
    sniff = None  # documents only

    def default_roots(self) -> list[str]:
        return []

    suffixes = (".json",)

    def sniff_document(self, head: bytes) -> bool:
        """A page (or list) of ``"object": "bucket"`` buckets."""
        text = head.lstrip()
        return text.startswith((b"{", b"[")) and BUCKET.search(text) is not None and b'"start_time"' in text

    def parse_chunk(self, chunk: Chunk, state: dict[str, Any], rows: Rows) -> ChunkResult:
        return _Page(chunk, rows).parse()


SOURCE = OpenAIAdmin()
