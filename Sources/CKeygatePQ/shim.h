#ifndef CKEYGATE_PQ_SHIM_H
#define CKEYGATE_PQ_SHIM_H
#include <libpq-fe.h>
#endif
