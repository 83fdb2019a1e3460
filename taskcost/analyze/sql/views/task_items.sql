-- view: task_items (a view for `taskcost sql`; a temporary table inside the task commands)
-- grain: one row per request and per event, with the task it belongs to
-- reads: requests, events
-- The segmentation of docs/tasks.md section 1. `item` is 'request' or 'event'; `family`
-- groups sources whose task ids are comparable (Claude Code transcripts and its
-- OpenTelemetry share prompt ids); `task_key` is null for the outside-any-task bucket,
-- with `outside_reason` saying why; `link` says how the row was placed:
--   logged       the row's own prompt id / turn id / task id (Claude Code: followed by parentUuid)
--   session      API-log call without a task id: one task per session (inferred)
--   time         main-conversation row without a task id: the session's task open at its time (estimated)
--   prompt_id    subagent row whose prompt id is a main-conversation task's (exact)
--   agent_id     subagent named by the Task/Agent tool result that ran it (exact)
--   time_window  subagent placed in the task of its session open at its first event (estimated)
-- Shape for scale: the small tables (prompts, subagents, rows that must be placed by
-- time) come from a narrow pass; the wide rows are read once, at the end, and only joined.
WITH light AS (  -- the columns segmentation needs, of every row
    SELECT
        source, session_id, agent_id, is_sidechain, prompt_id, ts,
        NULL::VARCHAR AS kind, NULL::VARCHAR AS detail
    FROM requests
    UNION ALL
    SELECT source, session_id, agent_id, is_sidechain, prompt_id, ts, kind, detail
    FROM events
),
keyed AS (
    SELECT
        *,
        CASE WHEN source IN ('claude_code', 'otel') THEN 'claude' WHEN source = 'codex' THEN 'codex' ELSE 'api' END
            AS family,
        CASE
            WHEN source IN ('claude_code', 'otel', 'codex') THEN prompt_id
            ELSE session_id || '/' || coalesce(prompt_id, '')
        END AS own_key
    FROM light
),
-- tasks opened by a prompt in the main conversation
starts AS (
    SELECT family, session_id, own_key AS task_key, min(ts) AS started_at
    FROM keyed
    WHERE kind IN ('human_prompt', 'command', 'turn_start') AND NOT is_sidechain AND own_key IS NOT NULL
    GROUP BY ALL
),
opened AS (SELECT DISTINCT family, task_key FROM starts),
-- each subagent: the main task its prompt id names, the task whose Task/Agent result
-- names it, and when it started
agents AS (
    SELECT
        k.family, k.session_id, k.agent_id,
        min(k.ts) AS first_ts,
        any_value(k.own_key) FILTER (WHERE o.task_key IS NOT NULL) AS logged_key
    FROM keyed AS k
    LEFT JOIN opened AS o ON o.family = k.family AND o.task_key = k.own_key
    WHERE k.is_sidechain AND k.agent_id IS NOT NULL AND k.family <> 'api'
    GROUP BY ALL
),
named AS (
    SELECT family, session_id, substr(detail, 7) AS agent_id, any_value(own_key) AS task_key
    FROM keyed
    WHERE kind = 'tool_result' AND detail LIKE 'agent:%' AND NOT is_sidechain AND own_key IS NOT NULL
    GROUP BY ALL
),
agent_tasks AS (
    SELECT
        a.family, a.session_id, a.agent_id, a.first_ts,
        CASE WHEN a.logged_key IS NOT NULL THEN 'prompt_id' WHEN n.task_key IS NOT NULL THEN 'agent_id' END AS link,
        coalesce(a.logged_key, n.task_key) AS task_key
    FROM agents AS a
    LEFT JOIN named AS n USING (family, session_id, agent_id)
),
-- the moments rows must be placed by time: a main-conversation row without a key, a
-- subagent no id links (at its first event)
probes AS (
    SELECT DISTINCT k.family, k.session_id, coalesce(t.first_ts, k.ts) AS at
    FROM keyed AS k
    LEFT JOIN agent_tasks AS t
        ON k.is_sidechain AND t.family = k.family AND t.session_id = k.session_id AND t.agent_id = k.agent_id
    LEFT JOIN opened AS o ON o.family = k.family AND o.task_key = k.own_key
    WHERE k.family <> 'api'
      AND ((NOT k.is_sidechain AND k.own_key IS NULL) OR (k.is_sidechain AND t.task_key IS NULL AND o.task_key IS NULL))
),
open_at AS (  -- the task of the session open at each of those moments
    SELECT p.family, p.session_id, p.at, s.task_key AS open_key
    FROM probes AS p
    ASOF LEFT JOIN starts AS s
        ON s.family = p.family AND s.session_id = p.session_id AND p.at >= s.started_at
),
items AS (  -- the wide rows
    SELECT
        'request' AS item,
        request_key AS item_key,
        source, user, machine, project, git_branch, session_id, agent_id, is_sidechain, prompt_id, ts,
        model, message_id, input_tokens, cache_read_tokens, cache_write_5m_tokens, cache_write_1h_tokens,
        output_tokens, reasoning_tokens, context_tokens, cost_usd, usage_quality,
        NULL::VARCHAR AS kind, NULL::VARCHAR AS detail, NULL::VARCHAR AS tool_use_id, NULL::BOOLEAN AS is_error,
        NULL::BIGINT AS exit_code, NULL::VARCHAR AS stop_reason, NULL::VARCHAR AS error_kind,
        NULL::VARCHAR AS prompt_preview, NULL::VARCHAR AS tool_name
    FROM requests
    UNION ALL
    SELECT
        'event', NULL,
        source, user, machine, project, git_branch, session_id, agent_id, is_sidechain, prompt_id, ts,
        NULL, message_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
        kind, detail, tool_use_id, is_error, exit_code, stop_reason, error_kind, prompt_preview, tool_name
    FROM events
),
placed AS (
    SELECT
        i.*,
        CASE WHEN i.source IN ('claude_code', 'otel') THEN 'claude' WHEN i.source = 'codex' THEN 'codex' ELSE 'api' END
            AS family,
        CASE
            WHEN i.source IN ('claude_code', 'otel', 'codex') THEN i.prompt_id
            ELSE i.session_id || '/' || coalesce(i.prompt_id, '')
        END AS own_key
    FROM items AS i
),
resolved AS (
    SELECT
        p.* EXCLUDE (own_key),
        CASE
            WHEN p.family = 'api' THEN p.own_key
            WHEN NOT p.is_sidechain THEN coalesce(p.own_key, a.open_key)
            ELSE coalesce(t.task_key, o.task_key, a.open_key)
        END AS task_key,
        CASE
            WHEN p.family = 'api' THEN CASE WHEN p.prompt_id IS NULL THEN 'session' ELSE 'logged' END
            WHEN NOT p.is_sidechain THEN
                CASE WHEN p.own_key IS NOT NULL THEN 'logged' WHEN a.open_key IS NOT NULL THEN 'time' END
            WHEN t.link IS NOT NULL THEN t.link
            WHEN o.task_key IS NOT NULL THEN 'prompt_id'
            WHEN a.open_key IS NOT NULL THEN 'time_window'
        END AS link
    FROM placed AS p
    LEFT JOIN agent_tasks AS t
        ON p.is_sidechain AND t.family = p.family AND t.session_id = p.session_id AND t.agent_id = p.agent_id
    LEFT JOIN opened AS o ON o.family = p.family AND o.task_key = p.own_key
    LEFT JOIN open_at AS a
        ON a.family = p.family AND a.session_id = p.session_id AND a.at = coalesce(t.first_ts, p.ts)
)
SELECT
    *,
    CASE WHEN task_key IS NULL THEN
        CASE WHEN is_sidechain THEN 'unlinked_subagent' ELSE 'before_first_prompt' END
    END AS outside_reason
FROM resolved
