-- view: task_facts (a view for `taskcost sql`; a temporary table inside the task commands)
-- grain: one row per task: its totals, context figures and the evidence its outcome is judged on
-- reads: task_items
-- The outcome itself is decided in tasks.sql (it needs the report's time and overrides);
-- this view gathers the signals of docs/tasks.md section 2. Ending signals come from the
-- main conversation only; deliveries and spend from subagents too.
WITH tool_messages AS (  -- responses that asked for a tool
    SELECT DISTINCT session_id, message_id FROM task_items WHERE kind = 'tool_call'
),
stops AS (  -- why a response stopped, when it was a turn end
    SELECT session_id, message_id, any_value(stop_reason) AS stop_reason
    FROM task_items
    WHERE kind = 'turn_end' AND message_id IS NOT NULL
    GROUP BY ALL
),
-- a main-conversation call: did it ask for tools, and why did it stop
calls AS (
    SELECT
        r.family, r.task_key, r.ts, r.message_id, r.source, r.usage_quality, r.context_tokens,
        t.message_id IS NOT NULL AS asked_tools,
        s.stop_reason
    FROM task_items AS r
    LEFT JOIN tool_messages AS t ON t.session_id = r.session_id AND t.message_id = r.message_id
    LEFT JOIN stops AS s ON s.session_id = r.session_id AND s.message_id = r.message_id
    WHERE r.item = 'request' AND NOT r.is_sidechain AND r.task_key IS NOT NULL
),
steps AS (
    SELECT
        family, task_key,
        arg_max(struct_pack(message_id, source, usage_quality, asked_tools, stop_reason), ts) AS last_call,
        max(ts) AS last_call_at,
        arg_min(context_tokens, ts) AS ctx_start,
        max(context_tokens) AS ctx_peak,
        CAST(sum(grow) AS BIGINT) AS ctx_growth,
        count(*) AS steps
    FROM (
        SELECT *, greatest(context_tokens - lag(context_tokens) OVER w, 0) AS grow
        FROM calls
        WINDOW w AS (PARTITION BY family, task_key ORDER BY ts, message_id)
    )
    GROUP BY ALL
),
ok_results AS (  -- tool results that are not errors
    SELECT DISTINCT session_id, tool_use_id
    FROM task_items
    WHERE kind = 'tool_result' AND NOT is_error AND tool_use_id IS NOT NULL
),
delivered AS (  -- shell commands that delivered and succeeded
    SELECT c.family, c.task_key, list(DISTINCT c.detail ORDER BY c.detail) AS deliveries
    FROM task_items AS c
    LEFT JOIN ok_results AS r ON r.session_id = c.session_id AND r.tool_use_id = c.tool_use_id
    WHERE c.task_key IS NOT NULL AND c.detail IN ('git_commit', 'git_push', 'pr_create', 'test')
      AND ((c.kind = 'command_end' AND c.exit_code = 0) OR (c.kind = 'tool_call' AND r.tool_use_id IS NOT NULL))
    GROUP BY ALL
),
model_spend AS (  -- each task's spend per model
    SELECT family, task_key, model, coalesce(sum(cost_usd), 0) AS cost, count(*) AS n
    FROM task_items
    WHERE item = 'request' AND task_key IS NOT NULL
    GROUP BY ALL
),
main_models AS (  -- the model that spent most (most calls among unpriced ones; then by name)
    SELECT family, task_key, arg_max(model, struct_pack(cost, n, model)) AS main_model
    FROM model_spend
    GROUP BY ALL
),
tasks AS (
    SELECT
        family,
        task_key,
        substr(sha256(family || ':' || task_key), 1, 16) AS task_id,
        min(source) AS source,
        arg_min(session_id, ts) FILTER (WHERE NOT is_sidechain) AS main_session,
        arg_min(session_id, ts) AS any_session,
        arg_min(user, ts) AS user,
        arg_min(machine, ts) AS machine,
        arg_min(project, ts) FILTER (WHERE project IS NOT NULL) AS project,
        arg_min(git_branch, ts) FILTER (WHERE git_branch IS NOT NULL) AS git_branch,
        min(ts) FILTER (WHERE kind IN ('human_prompt', 'command') AND NOT is_sidechain) AS prompt_at,
        min(ts) FILTER (WHERE kind = 'turn_start' AND NOT is_sidechain) AS turn_at,
        min(ts) AS first_at,
        max(ts) AS ended_at,
        arg_min(prompt_preview, ts) FILTER (WHERE kind IN ('human_prompt', 'command') AND NOT is_sidechain)
            AS prompt_preview,
        bool_and(kind = 'command') FILTER (WHERE kind IN ('human_prompt', 'command') AND NOT is_sidechain)
            AS only_command,
        list(DISTINCT model ORDER BY model) FILTER (WHERE model IS NOT NULL) AS models,
        count(*) FILTER (WHERE item = 'request') AS requests,
        count(*) FILTER (WHERE item = 'request' AND is_sidechain) AS subagent_requests,
        CAST(coalesce(sum(input_tokens), 0) AS BIGINT) AS input_tokens,
        CAST(coalesce(sum(cache_read_tokens), 0) AS BIGINT) AS cache_read_tokens,
        CAST(coalesce(sum(cache_write_5m_tokens + cache_write_1h_tokens), 0) AS BIGINT) AS cache_write_tokens,
        CAST(coalesce(sum(output_tokens), 0) AS BIGINT) AS output_tokens,
        CAST(sum(reasoning_tokens) AS BIGINT) AS reasoning_tokens,
        CASE WHEN count(*) FILTER (WHERE item = 'request') = 0 THEN 0 ELSE sum(cost_usd) END AS cost_usd,
        count(*) FILTER (WHERE item = 'request' AND cost_usd IS NULL) AS unpriced_requests,
        count(*) FILTER (WHERE item = 'request' AND usage_quality = 'placeholder') AS placeholder_requests,
        count(*) FILTER (WHERE kind = 'tool_call') AS tool_calls,
        count(*) FILTER (WHERE kind = 'tool_call' AND tool_name IN ('Edit', 'MultiEdit', 'Write', 'NotebookEdit', 'apply_patch'))
            AS edit_calls,
        count(*) FILTER (WHERE kind = 'compaction' AND NOT is_sidechain) AS compactions,
        count(*) FILTER (WHERE item = 'request' AND link IN ('time', 'time_window')) AS estimated_requests,
        bool_or(link = 'session') AS inferred,
        CASE
            WHEN bool_or(link = 'time_window') THEN 'time_window'
            WHEN bool_or(link = 'agent_id') THEN 'agent_id'
            WHEN bool_or(link = 'prompt_id' AND is_sidechain) THEN 'prompt_id'
        END AS subagent_link,
        -- ending signals (main conversation)
        max(ts) FILTER (WHERE kind = 'interrupt' AND NOT is_sidechain) AS interrupt_at,
        arg_max(detail, ts) FILTER (WHERE kind = 'interrupt' AND NOT is_sidechain) AS interrupt_detail,
        max(ts) FILTER (WHERE kind = 'tool_rejection' AND NOT is_sidechain) AS rejection_at,
        max(ts) FILTER (WHERE kind = 'api_error' AND NOT is_sidechain) AS error_at,
        arg_max(error_kind, ts) FILTER (WHERE kind = 'api_error' AND NOT is_sidechain) AS error_kind,
        count(*) FILTER (WHERE kind = 'api_error' AND NOT is_sidechain) AS api_errors,
        max(ts) FILTER (WHERE kind = 'turn_end' AND stop_reason = 'task_complete' AND NOT is_sidechain)
            AS complete_at
    FROM task_items
    WHERE task_key IS NOT NULL
    GROUP BY family, task_key
),
sessions AS (  -- Codex rollouts that log turn events (so a missing task_complete means something)
    SELECT DISTINCT session_id
    FROM task_items
    WHERE source = 'codex' AND kind IN ('turn_start', 'turn_end')
),
judged AS (
    SELECT
        t.*,
        coalesce(t.main_session, t.any_session) AS session_id,
        coalesce(t.prompt_at, t.turn_at, t.first_at) AS started_at,
        s.last_call, s.last_call_at, s.ctx_start, s.ctx_peak, s.ctx_growth, coalesce(s.steps, 0) AS steps,
        d.deliveries,
        m.main_model,
        greatest(t.interrupt_at, t.rejection_at, t.error_at, t.complete_at, s.last_call_at) AS last_signal_at
    FROM tasks AS t
    LEFT JOIN steps AS s USING (family, task_key)
    LEFT JOIN delivered AS d USING (family, task_key)
    LEFT JOIN main_models AS m USING (family, task_key)
),
ended AS (
    SELECT
        *,
        CASE  -- the last signal; on equal times an interrupt, a rejection, an error, then the call
            WHEN last_signal_at IS NULL THEN 'none'
            WHEN interrupt_at = last_signal_at THEN
                CASE WHEN rejection_at >= coalesce(last_call_at, rejection_at) THEN 'rejection' ELSE 'interrupt' END
            WHEN rejection_at = last_signal_at THEN 'rejection'
            WHEN error_at = last_signal_at THEN 'api_error'
            WHEN complete_at = last_signal_at THEN 'final_answer'
            WHEN family = 'claude' AND last_call.message_id IS NULL THEN 'none'  -- OpenTelemetry alone
            WHEN family = 'claude' AND (last_call.asked_tools OR last_call.stop_reason IN ('max_tokens', 'pause_turn'))
                THEN 'mid_loop'
            WHEN family = 'claude' AND last_call.stop_reason = 'refusal' THEN 'refusal'
            WHEN family = 'claude' AND (last_call.stop_reason IN ('end_turn', 'stop_sequence')
                OR last_call.stop_reason IS NULL AND last_call.usage_quality = 'placeholder') THEN 'final_answer'
            WHEN family = 'codex' AND session_id IN (SELECT session_id FROM sessions) THEN 'mid_loop'
            ELSE 'none'
        END AS ending
    FROM judged
)
SELECT
    *,
    lead(started_at) OVER (PARTITION BY family, session_id ORDER BY started_at, task_key) AS next_started_at,
    lead(prompt_preview) OVER (PARTITION BY family, session_id ORDER BY started_at, task_key) AS next_prompt
FROM ended
WHERE NOT (coalesce(only_command, FALSE) AND requests = 0 AND api_errors = 0)  -- local commands cost nothing
