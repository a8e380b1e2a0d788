/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Loads the libraries weft-lazy-libs.py stubbed out on the first call into them: an idle
 * agent never opens a DataChannel, so it never maps libnice, GnuTLS, usrsctp and the
 * libraries they need (see docs/performance.md, "Agent"). */
#include "config.h"

#include <dlfcn.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>

#include "weft-lazy-libs.h"

static GMutex weft_lazy_lock;
static void *weft_lazy_handles[8];

G_NORETURN static void
weft_lazy_fail (const char *library, const char *what)
{
  /* what the dynamic loader does when a linked library is missing */
  g_printerr (_ ("weft-agent: cannot load %s, which direct connections to other agents "
                 "need (%s). Install the package that provides it, or reinstall Weft.\n"),
              library, what);
  _exit (127);
}

static void *
weft_lazy_open (guint library)
{
  const char *soname = weft_lazy_libraries[library];

  g_assert (library < G_N_ELEMENTS (weft_lazy_handles));
  if (weft_lazy_handles[library] == NULL)
    {
      /* global, as a linked library is */
      weft_lazy_handles[library] = dlopen (soname, RTLD_LAZY | RTLD_GLOBAL);
      if (weft_lazy_handles[library] == NULL)
        weft_lazy_fail (soname, dlerror ());
    }
  return weft_lazy_handles[library];
}

static void *
weft_lazy_symbol (guint library, const char *name)
{
  void *address = dlsym (weft_lazy_open (library), name);

  if (address == NULL)
    weft_lazy_fail (weft_lazy_libraries[library], dlerror ());
  return address;
}

/* called by a stub's first call, with the caller's arguments kept aside; may run on any
 * thread */
void *
weft_lazy_resolve (gsize index)
{
  const WeftLazySymbol *symbol = &weft_lazy_symbols[index];
  void *address;

  g_mutex_lock (&weft_lazy_lock);
  address = weft_lazy_symbol (symbol->library, symbol->name);
  g_atomic_pointer_set (&weft_lazy_addresses[index], address);
  g_mutex_unlock (&weft_lazy_lock);
  return address;
}

/* GnuTLS exports gnutls_free as a variable holding its deallocator, which a stub cannot
 * forward: this one calls through the library's variable. Only memory GnuTLS allocated is
 * given to it, so the library is loaded by then. */
typedef void (*WeftLazyFree) (void *ptr);

static void
weft_lazy_gnutls_free (void *ptr)
{
  static WeftLazyFree *real;
  guint library;

  if (g_once_init_enter (&real))
    {
      for (library = 0; library < weft_lazy_n_libraries; library++)
        if (g_str_has_prefix (weft_lazy_libraries[library], "libgnutls.so"))
          break;
      g_assert (library < weft_lazy_n_libraries);
      g_mutex_lock (&weft_lazy_lock);
      g_once_init_leave (&real, weft_lazy_symbol (library, "gnutls_free"));
      g_mutex_unlock (&weft_lazy_lock);
    }
  (*real) (ptr);
}

G_GNUC_INTERNAL WeftLazyFree gnutls_free = weft_lazy_gnutls_free;
