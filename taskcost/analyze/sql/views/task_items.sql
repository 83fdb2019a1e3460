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
WITH items AS (
    SELECT
        'request' AS item,
        request_key AS item_key,
        source, user, machine, project, git_branch, session_id, agent_id, is_sidechain, prompt_id, ts,
        model, message_id, input_tokens, cache_read_tokens, cache_write_5m_tokens, cache_write_1h_tokens,
        output_tokens, reasoning_tokens, context_tokens, cost_usd, usage_quality,
        NULL::VARCHAR AS kind, NULL::VARCHAR AS detail, NULL::VARCHAR AS tool_use_id, NULL::BOOLEAN AS is_error,
        NULL::BIGINT AS exit_code, NULL::VARCHAR AS stop_reason, NULL::VARCHAR AS error_kind,
        NULL::VARCHAR AS prompt_preview
    FROM requests
    UNION ALL
    SELECT
        'event', event_key,
        source, user, machine, project, git_branch, session_id, agent_id, is_sidechain, prompt_id, ts,
        NULL, message_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
        kind, detail, tool_use_id, is_error, exit_code, stop_reason, error_kind, prompt_preview
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
    FROM items
),
-- tasks opened by a prompt in the main conversation, in session order
starts AS (
    SELECT family, session_id, own_key AS task_key, min(ts) AS started_at
    FROM keyed
    WHERE item = 'event' AND NOT is_sidechain AND own_key IS NOT NULL
      AND kind IN ('human_prompt', 'command', 'turn_start')
    GROUP BY ALL
),
-- each subagent: the main task its prompt id names, the task whose Task/Agent result names it,
-- and the task of its session open when it started
opened AS (  -- every row, and whether its own key is a task a prompt opened
    SELECT k.*, s.task_key IS NOT NULL AS key_opened
    FROM keyed AS k
    LEFT JOIN (SELECT DISTINCT family, task_key FROM starts) AS s
        ON s.family = k.family AND s.task_key = k.own_key
),
agents AS (
    SELECT
        family, session_id, agent_id,
        min(ts) AS first_ts,
        any_value(own_key) FILTER (WHERE key_opened) AS logged_key
    FROM opened
    WHERE is_sidechain AND agent_id IS NOT NULL AND family <> 'api'
    GROUP BY ALL
),
named AS (
    SELECT family, session_id, substr(detail, 7) AS agent_id, any_value(own_key) AS task_key
    FROM keyed
    WHERE item = 'event' AND kind = 'tool_result' AND detail LIKE 'agent:%' AND NOT is_sidechain
      AND own_key IS NOT NULL
    GROUP BY ALL
),
agent_tasks AS (
    SELECT
        a.family, a.session_id, a.agent_id,
        CASE WHEN a.logged_key IS NOT NULL THEN 'prompt_id' WHEN n.task_key IS NOT NULL THEN 'agent_id' END AS link,
        coalesce(a.logged_key, n.task_key) AS task_key,
        a.first_ts
    FROM agents AS a
    LEFT JOIN named AS n USING (family, session_id, agent_id)
),
placed AS (
    SELECT
        k.*,
        t.link AS agent_link,
        t.task_key AS agent_key,
        coalesce(t.first_ts, k.ts) AS anchor_ts
    FROM opened AS k
    LEFT JOIN agent_tasks AS t
        ON k.is_sidechain AND t.family = k.family AND t.session_id = k.session_id AND t.agent_id = k.agent_id
),
timed AS (  -- the task of the session open at the row's time (a subagent: at its first event)
    SELECT p.*, s.task_key AS open_key
    FROM placed AS p
    ASOF LEFT JOIN starts AS s
        ON s.family = p.family AND s.session_id = p.session_id AND p.anchor_ts >= s.started_at
),
resolved AS (
    SELECT
        * EXCLUDE (own_key, key_opened, agent_link, agent_key, anchor_ts, open_key),
        CASE
            WHEN family = 'api' THEN own_key
            WHEN NOT is_sidechain THEN coalesce(own_key, open_key)
            ELSE coalesce(agent_key, CASE WHEN key_opened THEN own_key END, open_key)
        END AS task_key,
        CASE
            WHEN family = 'api' THEN CASE WHEN prompt_id IS NULL THEN 'session' ELSE 'logged' END
            WHEN NOT is_sidechain THEN CASE WHEN own_key IS NOT NULL THEN 'logged' WHEN open_key IS NOT NULL THEN 'time' END
            WHEN agent_link IS NOT NULL THEN agent_link
            WHEN key_opened THEN 'prompt_id'
            WHEN open_key IS NOT NULL THEN 'time_window'
        END AS link
    FROM timed
)
SELECT
    *,
    substr(sha256(family || ':' || task_key), 1, 16) AS task_id,
    CASE WHEN task_key IS NULL THEN
        CASE WHEN is_sidechain THEN 'unlinked_subagent' ELSE 'before_first_prompt' END
    END AS outside_reason
FROM resolved
