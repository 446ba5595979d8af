/*
 * cloudpatrol/cloudpatrol.h - everything a plugin author includes.
 */
#ifndef CLOUDPATROL_CLOUDPATROL_H
#define CLOUDPATROL_CLOUDPATROL_H

#include <cloudpatrol/err.h>
#include <cloudpatrol/http.h>
#include <cloudpatrol/message.h>
#include <cloudpatrol/plugin.h>

#endif /* CLOUDPATROL_CLOUDPATROL_H */
