"""Anthropic Admin API exports: messages usage, cost report, Claude Code Analytics.

Where the files live
    Wherever the team's admin saves them: the JSON responses of
    ``GET /v1/organizations/usage_report/messages``, ``GET /v1/organizations/cost_report``
    and ``GET /v1/organizations/usage_report/claude_code``, one page per file (or the
    bare list of buckets a script concatenated from its pages). No default location;
    folders are searched recursively for ``*.json``. Each file is a document: read whole,
    and again whole when it changes.

Records used
    Messages usage: each result of each bucket (``starting_at``/``ending_at``, RFC 3339)
    -> one ``org_usage`` row. Cost report: each result -> one ``org_cost`` row. Claude
    Code Analytics: each record (one actor, one UTC day) -> one ``member_daily`` row.
    A page's kind is told by its results (``amount`` -> cost; token counts -> usage;
    ``actor`` + ``core_metrics`` -> analytics); an empty bucket (``results: []``) gives no
    row. A result without a token count it needs, or an analytics record without an
    actor, is skipped as ``missing_field``; a currency other than USD as
    ``unexpected_shape``.

Token mapping
    Already in our semantics: ``uncached_input_tokens`` -> ``input_tokens``,
    ``cache_read_input_tokens``, ``cache_creation.ephemeral_5m/1h_input_tokens`` -> the
    5m/1h cache writes, ``server_tool_use.web_search_requests`` (null when absent). The
    usage report has no request count (``requests`` null). Cost ``amount`` is a decimal
    string in **cents** (``"123.45"`` = $1.2345): divided by 100, exactly (``Decimal``).
    Analytics ``estimated_cost.amount`` is integer cents: divided by 100; its
    ``cache_creation`` tokens have no 5m/1h split and stay one number.

Dedupe
    Every row has a ``slot_key`` (report, bucket width, aligned bucket start, grouping and
    the row's dimension values); the warehouse keeps one row per slot: the copy whose
    bucket spans the longest time (a day downloaded before it was over ends early), then
    the newest ingest. Overlapping weekly downloads therefore count each day once.
    Analytics records are keyed by day, actor, customer and terminal type.

Known gaps
    Priority-tier spend never appears in the cost report (Anthropic's documentation), so
    reconcile under-reports the bill of a team that uses it. The cost report's
    ``description`` wording is not parsed; ``model``, ``token_type`` and ``service_tier``
    are used. Console CSV exports have no documented layout and are not read. Two
    exports of the same day with different ``group_by`` are both kept (their grouping
    differs); ``taskcost reconcile`` uses one grouping per day.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from taskcost.ingest import _export as ex
from taskcost.ingest._base import Chunk, ChunkResult, Rows, Skips, guard, utc_time

NAME = "anthropic_admin"
TOKEN_KEYS = {
    "uncached_input_tokens",
    "cache_creation",
    "cache_read_input_tokens",
    "output_tokens",
    "server_tool_use",
}
COST_DIMS = (
    "workspace_id",
    "description",
    "model",
    "cost_type",
    "token_type",
    "service_tier",
    "context_window",
)
TOOLS = ("edit_tool", "multi_edit_tool", "write_tool", "notebook_edit_tool")
ACTORS = {"user_actor": ("user", "email_address"), "api_actor": ("api", "api_key_name")}


def _kind(result: dict[str, Any]) -> str | None:
    if "amount" in result:
        return "cost_report"
    if "actor" in result and ("core_metrics" in result or "model_breakdown" in result):
        return "claude_code_analytics"
    if TOKEN_KEYS & result.keys():
        return "messages_usage"
    return None


class _Page:
    def __init__(self, chunk: Chunk, rows: Rows) -> None:
        self.chunk, self.rows, self.skips = chunk, rows, Skips()

    def parse(self) -> ChunkResult:
        buckets, lines = ex.read_page(self.chunk, self.skips)
        if buckets is None:
            return ex.done(self.chunk, lines, self.skips)
        # an analytics page is a list of records, a report page a list of buckets: one record
        # that lost its keys must not make the page another kind
        if any(isinstance(b, dict) and _kind(b) == "claude_code_analytics" for b in buckets):
            for n, record in enumerate(buckets):
                guard(self.rows, self.skips, 0, self.analytics, record, f"data[{n}]", where=f"data[{n}]")
            return ex.done(self.chunk, lines, self.skips)
        spans, results = [], []
        for n, b in enumerate(buckets):
            start = utc_time(b.get("starting_at")) if isinstance(b, dict) else None
            end = utc_time(b.get("ending_at")) if isinstance(b, dict) else None
            if start is None or end is None or end <= start or not isinstance(b.get("results"), list):
                why = "a bucket needs starting_at, ending_at and results"
                self.skips.add("missing_field", 0, f"data[{n}]: {why}")
                continue
            spans.append(end - start)
            results.extend((start, end, f"data[{n}].results[{k}]", r) for k, r in enumerate(b["results"]))
        width, size = ex.width_of(spans)
        kinds = [_kind(r) if isinstance(r, dict) else None for *_, r in results]
        for (*_, where, _), kind in zip(results, kinds, strict=True):
            if kind not in ("messages_usage", "cost_report"):
                self.skips.add("unknown_line_type", 0, f"{where}: not a usage or cost result")
        usage = [x for x, kind in zip(results, kinds, strict=True) if kind == "messages_usage"]
        cost = [x for x, kind in zip(results, kinds, strict=True) if kind == "cost_report"]
        dims = (*COST_DIMS, "inference_geo")
        ex.each_result(
            self,
            usage,
            lambda r: {k: v for k, v in r.items() if k not in TOKEN_KEYS},
            self.usage_row,
            width,
            size,
        )
        ex.each_result(
            self, cost, lambda r: {k: r.get(k) for k in dims if k in r}, self.cost_row, width, size
        )
        return ex.done(self.chunk, lines, self.skips)

    def usage_row(
        self, r: dict[str, Any], group: dict[str, Any], grouping: str, span: Any, where: str
    ) -> None:
        cache = r.get("cache_creation")
        cache = cache if isinstance(cache, dict) else {}
        values = {
            "input_tokens": ex.count(r.get("uncached_input_tokens")),
            "cache_read_tokens": ex.count(r.get("cache_read_input_tokens")),
            "cache_write_5m_tokens": ex.count(cache.get("ephemeral_5m_input_tokens")),
            "cache_write_1h_tokens": ex.count(cache.get("ephemeral_1h_input_tokens")),
            "output_tokens": ex.count(r.get("output_tokens")),
        }
        missing = [k for k, v in values.items() if v is None]
        if missing:
            self.skips.add("missing_field", 0, f"{where}: no valid {', '.join(missing)}")
            return
        tools = r.get("server_tool_use")
        web = ex.count(tools.get("web_search_requests")) if isinstance(tools, dict) else None
        (start, end), width = span
        self.rows.bucket(
            "org_usage",
            **ex.slot_columns(self.chunk, "messages_usage", (start, end), width, grouping, group),
            provider="anthropic",
            model=ex.text(group.get("model")),
            workspace_id=ex.text(group.get("workspace_id")),
            api_key_id=ex.text(group.get("api_key_id")),
            service_tier=ex.text(group.get("service_tier")),
            context_window=ex.text(group.get("context_window")),
            web_search_requests=web,
            requests=None,
            **values,
        )

    def cost_row(
        self, r: dict[str, Any], group: dict[str, Any], grouping: str, span: Any, where: str
    ) -> None:
        if str(r.get("currency", "USD")).upper() != "USD":
            self.skips.add("unexpected_shape", 0, f"{where}: currency {r.get('currency')}, not USD")
            return
        cents = ex.amount(r.get("amount"))
        if cents is None:
            self.skips.add("missing_field", 0, f"{where}: amount {r.get('amount')!r} is not a number")
            return
        (start, end), width = span
        self.rows.bucket(
            "org_cost",
            **ex.slot_columns(self.chunk, "cost_report", (start, end), width, grouping, group),
            provider="anthropic",
            model=ex.text(group.get("model")),
            workspace_id=ex.text(group.get("workspace_id")),
            line_item=ex.text(group.get("description")),
            cost_type=ex.text(group.get("cost_type")),
            token_type=ex.text(group.get("token_type")),
            service_tier=ex.text(group.get("service_tier")),
            context_window=ex.text(group.get("context_window")),
            amount_usd=float(cents / 100),
        )

    def analytics(self, rec: Any, where: str) -> None:
        if not isinstance(rec, dict):
            self.skips.add("not_an_object", 0, f"{where}: not an object")
            return
        day = utc_time(rec.get("date"))
        actor = rec.get("actor") if isinstance(rec.get("actor"), dict) else {}
        actor_type, name_key = ACTORS.get(actor.get("type"), (None, None))
        name = actor.get(name_key) if name_key else None
        if day is None or not name:
            self.skips.add("missing_field", 0, f"{where}: a record needs a date and an actor")
            return
        core = rec.get("core_metrics") if isinstance(rec.get("core_metrics"), dict) else {}
        loc = core.get("lines_of_code") if isinstance(core.get("lines_of_code"), dict) else {}
        tools_in = rec.get("tool_actions") if isinstance(rec.get("tool_actions"), dict) else {}
        tools = [
            {
                "tool": t,
                "accepted": ex.count(v.get("accepted")) or 0,
                "rejected": ex.count(v.get("rejected")) or 0,
            }
            for t, v in sorted(tools_in.items())
            if isinstance(v, dict)
        ]
        models = []
        breakdown = rec.get("model_breakdown")
        for m in breakdown if isinstance(breakdown, list) else []:
            if not isinstance(m, dict):
                continue
            tok = m.get("tokens") if isinstance(m.get("tokens"), dict) else {}
            est = m.get("estimated_cost") if isinstance(m.get("estimated_cost"), dict) else {}
            if str(est.get("currency", "USD")).upper() != "USD":
                self.skips.add("unexpected_shape", 0, f"{where}: currency {est.get('currency')}, not USD")
                return
            amount = ex.amount(est.get("amount")) if isinstance(est.get("amount"), int | float) else None
            models.append(
                {
                    "model": ex.text(m.get("model")),
                    "input_tokens": ex.count(tok.get("input")),
                    "output_tokens": ex.count(tok.get("output")),
                    "cache_read_tokens": ex.count(tok.get("cache_read")),
                    "cache_creation_tokens": ex.count(tok.get("cache_creation")),
                    "estimated_cost_usd": None if amount is None else float(amount / 100),
                }
            )
        keys = {
            "actor_type": actor_type,
            "actor": name,
            "customer_type": ex.text(rec.get("customer_type")),
            "terminal_type": ex.text(rec.get("terminal_type")),
        }
        self.rows.bucket(
            "member_daily",
            chunk_id=self.chunk.chunk_id,
            report="claude_code_analytics",
            bucket_start=day,
            bucket_end=day + timedelta(days=1),
            bucket_width="1d",
            slot_key=ex.slot_key("claude_code_analytics", "1d", day, "", keys),
            date=day.date(),
            organization_id=ex.text(rec.get("organization_id")),
            subscription_type=ex.text(rec.get("subscription_type")),
            sessions=ex.count(core.get("num_sessions")) or 0,
            lines_added=ex.count(loc.get("added")) or 0,
            lines_removed=ex.count(loc.get("removed")) or 0,
            commits=ex.count(core.get("commits_by_claude_code")) or 0,
            pull_requests=ex.count(core.get("pull_requests_by_claude_code")) or 0,
            edits_accepted=sum(t["accepted"] for t in tools if t["tool"] in TOOLS),
            edits_rejected=sum(t["rejected"] for t in tools if t["tool"] in TOOLS),
            tool_actions=tools,
            models=models,
            estimated_cost_usd=sum(m["estimated_cost_usd"] or 0.0 for m in models),
            **keys,
        )


class AnthropicAdmin:
    name = NAME
    description = "Anthropic Admin API exports (JSON): messages usage, cost report, Claude Code Analytics"
    splittable = False
    sniff = None  # documents only
    suffixes = (".json",)

    def default_roots(self) -> list[str]:
        return []

    def sniff_document(self, head: bytes) -> bool:
        """A page of buckets with ``starting_at``/``ending_at``, or of analytics records."""
        text = head.lstrip()
        if not text.startswith((b"{", b"[")):
            return False
        if b'"starting_at"' in text and b'"ending_at"' in text and b'"results"' in text:
            return True
        return b'"actor"' in text and (b'"core_metrics"' in text or b'"model_breakdown"' in text)

    def parse_chunk(self, chunk: Chunk, state: dict[str, Any], rows: Rows) -> ChunkResult:
        return _Page(chunk, rows).parse()


SOURCE = AnthropicAdmin()
