-- view: task_outcomes (a view for `taskcost sql`; a temporary table inside the task commands)
-- grain: one row per task (docs/tasks.md) with its outcome, reason, confidence and evidence
-- reads: task_facts, override_matches, people, report_clock (the report's "now": a task
--        active less than 30 minutes before it may still be in progress)
-- The outcome is the first rule of docs/tasks.md section 2 that matches; the rule numbers
-- are in the comments below. `person` and `team` come from the team config (people.sql).
WITH overridden AS (
    SELECT f.*, o.override
    FROM task_facts AS f
    LEFT JOIN (  -- the last row of the file that names the task wins
        SELECT task_id, arg_max(struct_pack(line, outcome, reason, confidence), line) AS override
        FROM override_matches
        WHERE task_id IS NOT NULL
        GROUP BY task_id
    ) AS o USING (task_id)
),
facts AS (
    SELECT
        *,
        regexp_matches(coalesce(next_prompt, ''), '^\s*(please\s+)?(undo|revert|roll\s*back|rollback)\b', 'i')
            AS reverted,
        next_started_at IS NULL AS last_in_session,
        deliveries IS NOT NULL AS has_delivery
    FROM overridden
),
judged AS (
    SELECT
        *,
        CASE
            WHEN override IS NOT NULL THEN  -- 0
                [override.outcome, 'override', CASE WHEN override.outcome <> 'unknown' THEN override.confidence END]
            WHEN reverted THEN ['abandoned', 'reverted_next', 'medium']  -- 1
            WHEN has_delivery AND ending IN ('interrupt', 'rejection', 'api_error', 'mid_loop')
                THEN ['unknown', 'conflicting', NULL]  -- 2
            WHEN ending = 'rejection' THEN ['abandoned', 'tool_rejected', 'medium']  -- 3
            WHEN ending = 'interrupt' THEN ['abandoned', 'interrupted', 'high']  -- 4
            WHEN ending = 'api_error' AND error_kind IN ('authentication_failed', 'context_overflow', 'invalid_request')
                THEN ['abandoned', 'api_error:' || error_kind, 'high']  -- 5
            WHEN ending = 'api_error' THEN ['abandoned', 'api_error:' || coalesce(error_kind, 'unknown'), 'medium']  -- 6
            WHEN ending = 'mid_loop' AND last_in_session AND ended_at > (SELECT now FROM report_clock) - INTERVAL 30 MINUTE
                THEN ['unknown', 'in_progress', NULL]  -- 7
            WHEN ending = 'mid_loop' AND last_in_session THEN ['abandoned', 'session_ended_mid_loop', 'medium']  -- 8
            WHEN ending = 'final_answer' AND has_delivery THEN ['completed', 'delivered', 'high']  -- 9
            WHEN ending = 'final_answer' THEN
                ['completed', CASE WHEN family = 'codex' THEN 'turn_complete' ELSE 'final_answer' END, 'medium']  -- 10
            ELSE ['unknown', 'no_end_signal', NULL]  -- 11
        END AS verdict
    FROM facts
)
SELECT
    task_id,
    family,
    task_key,
    source,
    session_id,
    user,
    machine,
    project,
    git_branch,
    started_at,
    ended_at,
    prompt_preview,
    models,
    requests,
    subagent_requests,
    input_tokens,
    cache_read_tokens,
    cache_write_tokens,
    output_tokens,
    reasoning_tokens,
    cost_usd,
    unpriced_requests,
    placeholder_requests,
    verdict[1] AS outcome,
    verdict[2] AS outcome_reason,
    verdict[3] AS outcome_confidence,
    CASE WHEN override IS NULL THEN 'rules' ELSE 'override' END AS outcome_source,
    concat_ws(
        '; ',
        CASE WHEN override IS NOT NULL THEN
            'override: line ' || override.line || coalesce(' (' || override.reason || ')', '') END,
        'ended: ' || replace(ending, '_', ' ')
            || coalesce(' at ' || strftime(last_signal_at, '%Y-%m-%dT%H:%M:%SZ'), ''),
        CASE WHEN ending = 'interrupt' THEN 'interrupt: ' || coalesce(interrupt_detail, 'by the user') END,
        CASE WHEN api_errors > 0 THEN 'API errors: ' || api_errors || ' (last: ' || coalesce(error_kind, 'unknown') || ')' END,
        CASE WHEN has_delivery THEN 'delivered: ' || array_to_string(deliveries, ', ') END,
        CASE WHEN reverted THEN 'next prompt asks to undo' END,
        CASE WHEN last_in_session THEN 'last task of its session' END,
        CASE WHEN inferred THEN 'grouped by session (no task id in the log)' END,
        CASE WHEN estimated_requests > 0 THEN estimated_requests || ' requests placed by time' END
    ) AS outcome_evidence,
    ctx_start,
    ctx_peak,
    ctx_growth,
    cache_read_tokens AS resent_tokens,
    cache_read_tokens / nullif(input_tokens + cache_read_tokens + cache_write_tokens, 0) AS cache_hit_ratio,
    compactions,
    steps,
    tool_calls,
    round(epoch(ended_at) - epoch(started_at), 3) AS duration_s,
    CASE WHEN inferred THEN 'inferred' ELSE 'logged' END AS grouping,
    subagent_link,
    estimated_requests,
    main_model,
    edit_calls,
    deliveries,
    coalesce(p.person, user) AS person,
    p.team
FROM judged
LEFT JOIN people AS p USING (user, machine)
