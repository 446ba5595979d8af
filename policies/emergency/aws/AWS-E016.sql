-- AWS-E016: the month-to-date cost is above param('threshold') in
-- param('currency').
--
-- One row for the account (the snapshot's unit).  The cost is the sum of
-- the costs rows of the latest month ("YYYY-MM") in that currency.  No
-- monthly cost in the snapshot, or none in that currency, is an error.
WITH unit AS (
    SELECT value AS account FROM meta WHERE key = 'unit'
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
SELECT u.account AS resource_id,
       coalesce((SELECT name FROM resources WHERE type = 'aws/account'
                 ORDER BY id LIMIT 1), u.account) AS resource_name,
       CASE WHEN c.period IS NULL OR c.amount IS NULL THEN 'error'
            WHEN c.amount > param('threshold') THEN 'fail'
            ELSE 'pass' END AS status,
       CASE WHEN c.period IS NULL THEN 'no monthly cost in the snapshot'
            WHEN c.amount IS NULL THEN 'the cost of ' || c.period
                 || ' is in ' || coalesce(c.currencies, '?') || ', not '
                 || param('currency')
            ELSE 'month-to-date cost of ' || c.period || ': '
                 || printf('%.2f', c.amount) || ' ' || upper(param('currency'))
                 || CASE WHEN c.amount > param('threshold') THEN ', above '
                         ELSE ', within ' END
                 || printf('%.15g', param('threshold')) END AS detail,
       CASE WHEN c.amount IS NULL THEN 'unknown'
            ELSE printf('%.2f', c.amount) || ' ' || upper(param('currency'))
            END AS value,
       'month-to-date <= ' || printf('%.15g', param('threshold')) || ' '
         || upper(param('currency')) AS condition
FROM unit u, c
