-- view: people (a view for `taskcost sql`)
-- grain: one row per (user, machine) seen in the logs, with the person and team it belongs to
-- reads: requests, events, person_aliases, person_teams (both from the team config,
--        docs/reports.md; empty without one)
-- An alias naming the user wins over one naming the machine; a user no alias names is a
-- person of their own. `team` is null for a person the config puts in no team.
WITH seen AS (
    SELECT DISTINCT user, machine FROM requests
    UNION
    SELECT DISTINCT user, machine FROM events
)
SELECT
    s.user,
    s.machine,
    coalesce(u.person, m.person, s.user) AS person,
    t.team
FROM seen AS s
LEFT JOIN person_aliases AS u ON u.kind = 'user' AND u.alias = s.user
LEFT JOIN person_aliases AS m ON m.kind = 'machine' AND m.alias = s.machine
LEFT JOIN person_teams AS t ON t.person = coalesce(u.person, m.person, s.user)
