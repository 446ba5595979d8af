/*
 * xml.h - the bounds of cp_xml_parse, and the parser with explicit bounds
 * (used by cp_xml_parse and by the tests).
 */
#ifndef CP_NET_XML_H
#define CP_NET_XML_H

#include <stddef.h>

#include <jansson.h>

/* Elements one document may have (each costs a few hundred bytes). */
#define CP_XML_MAX_ELEMENTS 500000u

/*
 * cp_xml_parse with at most max_depth nested elements and max_elements
 * elements in all.  Returns a new reference or NULL with why.
 */
json_t *cp_xml_parse_bounded(const char *buf, size_t len, unsigned max_depth,
    size_t max_elements, char *why, size_t why_size);

#endif /* CP_NET_XML_H */
