/* ledger.c — see ledger.h. */
#include "ledger.h"

long ledger_settled(const struct ledger *l)
{
	long n = 0;
	for (int f = 0; f < FATE_NFINAL; f++)
		n += l->n[f];
	return n;
}
