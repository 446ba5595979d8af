/*
 * cloudpatrol/message.h - what a notifier plugin is given to send.
 *
 * The core renders every message once, in the portal's language, into a
 * JSON object of the shape below; notifier plugins only carry it: the mail
 * plugin sends subject, text and html, the Slack plugin turns blocks into
 * Block Kit and uses text as the fallback.  Unknown members are ignored,
 * so the core may add members without a new ABI version.
 *
 * A message (the `message` argument of cp_notifier_ops.send):
 *
 *   {
 *     "message_id": "<cp.42.7@cloudpatrol>",  stable for one delivery: a
 *                                              retry sends the same one
 *     "kind":    "risk" | "remediation" | "patrol" | "test",
 *     "lang":    "ja" | "en",
 *     "subject": "[cloudpatrol] ...",          one line, UTF-8
 *     "text":    "...",                        the whole message as text
 *     "html":    "<html>...</html>",           optional (the daily report)
 *     "blocks":  [ block, ... ]                the same content, structured
 *   }
 *
 * A block is one of:
 *   {"type": "header",  "text": "..."}
 *   {"type": "section", "text": "..."}            a paragraph
 *   {"type": "fields",  "fields": [["label", "value"], ...]}
 *   {"type": "list",    "title": "...", "items": ["...", ...],
 *                       "more": N}                N further items left out
 *   {"type": "divider"}
 *
 * A destination (the `dest` argument of check_destination and send):
 *
 *   {
 *     "name": "ops-team",
 *     "type": "mail" | "teams" | "slack",     teams travels as mail: a
 *                                              Teams channel's address
 *     "to":   ["a@example.com", ...],         mail and teams
 *     "webhook_url": "https://hooks..."       slack; a secret: never log it
 *   }
 *
 * send() answers CP_SEND_OK, CP_SEND_RETRY (a passing failure: 4xx from an
 * SMTP server, 429 or 5xx from a webhook, no connection) or CP_SEND_FAILED
 * (5xx from an SMTP server, a refused recipient, 4xx from a webhook), and
 * puts a sentence for the operator in why (never a secret).
 *
 * Since: ABI 1.0
 */
#ifndef CLOUDPATROL_MESSAGE_H
#define CLOUDPATROL_MESSAGE_H

/* Largest message the core hands over (text + html), in bytes. */
#define CP_MESSAGE_MAX (1024u * 1024)

#endif /* CLOUDPATROL_MESSAGE_H */
