/* no-symbol: a shared object with a visible function but no capstan_module
 * descriptor (a library that is not a module): the loader refuses it. */
#include <capstan/module.h>

CS_MODULE_EXPORT int no_symbol_version(void);

CS_MODULE_EXPORT int no_symbol_version(void)
{
	return CS_ABI_MAJOR;
}
