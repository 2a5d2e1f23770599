#ifndef CKEYGATE_SQLITE_SHIM_H
#define CKEYGATE_SQLITE_SHIM_H
#include <sqlite3.h>

/// SQLITE_TRANSIENT is a macro casting -1 to a function pointer; Swift cannot import it.
static inline sqlite3_destructor_type CKeygateSQLite_TRANSIENT(void) { return SQLITE_TRANSIENT; }
/// sqlite3_db_config is variadic and cannot be called from Swift.
static inline int CKeygateSQLite_db_config_defensive(sqlite3 *db, int on) {
    return sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, on, (int *)0);
}
#endif
