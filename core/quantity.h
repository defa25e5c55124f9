/* Kubernetes resource quantities ("500m", "1Gi", "2.5e3"). */
#ifndef CS_QUANTITY_H
#define CS_QUANTITY_H

/* The syntax Kubernetes accepts (resource.ParseQuantity):
 *   [+-] digits [. digits] suffix
 * where suffix is one of "" n u m k M G T P E (decimal SI), Ki Mi Gi Ti Pi Ei
 * (binary SI) or e/E followed by a signed integer exponent.  At least one
 * digit is required.  On success stores the value in base units ("100m" ->
 * 0.1, "1Ki" -> 1024) and returns 0; returns -1 (out untouched) otherwise. */
int cs_quantity_parse(const char *s, long double *out);

/* The message Kubernetes gives for a malformed quantity. */
#define CS_QUANTITY_SYNTAX_MSG                                                                     \
	"quantities must match the regular expression "                                            \
	"'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"

#endif
