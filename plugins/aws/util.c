/*
 * util.c - small helpers every collector shares: stopping, our own error
 * sentences, the converted lists and scalars.  Kept apart from client.c so
 * that tests which script aws_call() can link them too.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "aws.h"

int
aws_stopping(struct aws_collect *k)
{
	int stop;

	pthread_mutex_lock(&k->mu);
	if (k->fatal == CP_OK && k->p->host->cancelled(k->p->self))
		k->fatal = CP_E_CANCELLED;
	stop = k->fatal != CP_OK;
	pthread_mutex_unlock(&k->mu);
	return stop;
}

void
aws_error_set(struct aws_error *err, const char *fmt, ...)
{
	va_list ap;

	memset(err, 0, sizeof(*err));
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
}

size_t
aws_list_size(const json_t *v)
{
	if (json_is_array(v))
		return json_array_size(v);
	if (json_is_object(v) && json_object_size(v) > 0)
		return 1;
	return 0;
}

json_t *
aws_list_get(const json_t *v, size_t i)
{
	return json_is_array(v) ? json_array_get(v, i) : (json_t *)v;
}

const char *
aws_text(const json_t *v, char *buf, size_t n)
{
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(buf, n, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return buf;
	}
	return NULL;
}
