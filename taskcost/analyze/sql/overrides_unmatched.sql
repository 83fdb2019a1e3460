-- report: overrides_unmatched
-- grain: one row per row of the --outcomes file that matches no task
-- reads: override_matches (views/override_matches.sql)
-- params: none
SELECT line
FROM override_matches
GROUP BY line
HAVING count(task_id) = 0
ORDER BY line
