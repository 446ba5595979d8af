-- AZ-E010: the subscription's month-to-date cost is above
-- param('threshold') in param('currency').
--
-- One row for the subscription (the snapshot's unit).  The cost is the
-- sum of the costs rows of the latest month ("YYYY-MM") in that currency.
-- The collector writes no row when the month has no charge yet: that
-- passes.  Rows only in other currencies are an error.
WITH unit AS (
    SELECT value AS sub FROM meta WHERE key = 'unit'
),
latest AS (
    SELECT max(period) AS period FROM costs WHERE length(period) = 7
),
c AS (
    SELECT l.period,
           (SELECT sum(amount) FROM costs
            WHERE period = l.period
              AND upper(currency) = upper(param('currency'))) AS amount,
           (SELECT group_concat(DISTINCT currency) FROM costs
            WHERE period = l.period) AS currencies
    FROM latest l
)
SELECT '/subscriptions/' || u.sub AS resource_id,
       coalesce((SELECT name FROM resources
                 WHERE type = 'azure/subscription'
                 ORDER BY id LIMIT 1), u.sub) AS resource_name,
       CASE WHEN c.period IS NULL THEN 'pass'
            WHEN c.amount IS NULL THEN 'error'
            WHEN c.amount > param('threshold') THEN 'fail'
            ELSE 'pass' END AS status,
       CASE WHEN c.period IS NULL THEN 'no charge this month yet'
            WHEN c.amount IS NULL THEN 'the cost of ' || c.period
                 || ' is in ' || coalesce(c.currencies, '?') || ', not '
                 || upper(param('currency'))
            ELSE 'month-to-date cost of ' || c.period || ': '
                 || printf('%.2f', c.amount) || ' '
                 || upper(param('currency'))
                 || CASE WHEN c.amount > param('threshold') THEN ', above '
                         ELSE ', within ' END
                 || printf('%.15g', param('threshold')) END AS detail,
       CASE WHEN c.period IS NULL THEN '0'
            WHEN c.amount IS NULL THEN 'unknown'
            ELSE printf('%.2f', c.amount) || ' ' || upper(param('currency'))
            END AS value,
       'month-to-date <= ' || printf('%.15g', param('threshold')) || ' '
         || upper(param('currency')) AS condition
FROM unit u, c
